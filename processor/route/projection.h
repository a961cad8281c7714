// Projection: a route's column projection (include, then exclude, then rename) compiled into one
// sorted table of per-column decisions, so applying it is a binary search per column and never
// re-reads the configuration. Column order is the row's order.
//
// Immutable after Compile; all methods are const and safe from any thread.
#ifndef FANOUT_PROCESSOR_ROUTE_PROJECTION_H_
#define FANOUT_PROCESSOR_ROUTE_PROJECTION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"
#include "processor/core/value.h"
#include "processor/route/route_spec.h"

namespace fanout {

class Projection {
 public:
  Projection() = default;  // keeps every column under its own name

  // InvalidArgument naming the list and index ("rename[1]: ...") for an empty or repeated name,
  // an exclude of a column the include list does not have, a rename of a column that is not
  // kept, or two columns renamed to the same name (or onto an included column).
  static Result<Projection> Compile(const ColumnProjection& spec);

  bool is_identity() const { return include_all_ && rules_.empty(); }

  // The name column `name` has after projection, or nullopt when it is dropped.
  std::optional<std::string_view> OutputName(std::string_view name) const;

  // Calls fn(std::string_view output_name, const Value& value) for each kept column of `row`,
  // in row order, without copying anything -- the way for a sink to serialise a row directly.
  template <typename Fn>
  void ForEach(const Row& row, Fn&& fn) const {
    for (const Column& column : row) {
      if (std::optional<std::string_view> name = OutputName(column.name)) {
        fn(*name, column.value);
      }
    }
  }

  // The projected row (copies the kept columns). *out is cleared first, keeping its capacity.
  void Apply(const Row& row, Row* out) const;
  Row Apply(const Row& row) const;

 private:
  struct Rule {
    std::string name{};
    bool keep = true;
    std::string output{};  // when keep
  };
  bool include_all_ = true;  // no include list: columns without a rule are kept as they are
  std::vector<Rule> rules_;  // sorted by name
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_PROJECTION_H_
