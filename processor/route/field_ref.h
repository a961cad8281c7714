// FieldRef: what a `when:` operand or a template placeholder refers to in a ChangeEvent, and the
// one set of rules that resolves it (shared so predicates and templates never disagree).
//
//   before.x / after.x / key.x   column x of that image (an absent image has no columns)
//   x (bare)                     after.x if the after image has column x, else before.x, else
//                                key.x (so a delete, which has no after image, reads before)
//   op table schema database topic connector
//                                event attributes (op as "c", "u", ...; table is the bare table
//                                name). A column with one of these names is reached as after.op.
//
// An unchanged-TOAST value in the after image resolves to the before image's value for that
// column when the before image carries a real one (REPLICA IDENTITY FULL): "unchanged" means
// "equal to before". Otherwise it stays unchanged.
#ifndef FANOUT_PROCESSOR_ROUTE_FIELD_REF_H_
#define FANOUT_PROCESSOR_ROUTE_FIELD_REF_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/status.h"

namespace fanout {

enum class FieldSource : std::uint8_t {
  kBefore,
  kAfter,
  kKey,
  kColumn,  // bare column: after, then before, then key
  kOp,
  kTable,
  kSchema,
  kDatabase,
  kTopic,
  kConnector,
};

struct FieldRef {
  FieldSource source = FieldSource::kColumn;
  std::string column{};  // the column name; empty for attributes

  bool is_column() const { return source <= FieldSource::kColumn; }
};

// "before.x", "after.x", "key.x", an attribute name, or a bare column name. InvalidArgument for
// an empty name or an unknown prefix ("foo.x"). A bare name containing '.' is rejected too.
Result<FieldRef> ParseFieldRef(std::string_view text);

// The attribute for a FieldRef that is not a column; "" when the event does not know it.
std::string_view ResolveAttribute(const ChangeEvent& event, FieldSource source);

// The value of a column reference by the rules above, or nullptr when the column (or the whole
// image) is absent. Points into `event`.
const Value* ResolveColumn(const ChangeEvent& event, FieldSource source, std::string_view column);

// Column `column` of `image` with the after-image TOAST rule applied when `image` is the after
// image; nullptr when absent.
const Value* ResolveAfter(const ChangeEvent& event, std::string_view column);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_FIELD_REF_H_
