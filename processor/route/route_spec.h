// RouteSpec: one routing rule as the configuration declares it, before compilation. Plain data:
// config/ fills it from YAML, processor/route compiles it into matchers, predicates and
// templates once, at startup.
#ifndef FANOUT_PROCESSOR_ROUTE_ROUTE_SPEC_H_
#define FANOUT_PROCESSOR_ROUTE_ROUTE_SPEC_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/status.h"

namespace fanout {

struct ColumnProjection {
  std::vector<std::string> include;                         // empty: every column
  std::vector<std::string> exclude;                         // applied after include
  std::vector<std::pair<std::string, std::string>> rename;  // (from, to), applied last
};

struct RouteSpec {
  std::string name;                 // unique among routes; used in metrics, logs and DLQ headers
  std::vector<std::string> tables;  // "schema.table", glob ("public.*", "*.orders"), or "^regex"
                                    // over the qualified table; empty: any table
  std::vector<std::string> topics;  // exact topic name or "^regex"; empty: any topic
  std::vector<Op> ops;              // empty: c, u, d, r (t and m only when listed)
  std::string when;                 // predicate source text; empty: always
  std::string sink;                 // the sink instance the route writes to
  ColumnProjection projection;
  // Named templates for the sink's actions, e.g. {"invalidate", "customer:{id}"},
  // {"index", "products"}, {"id", "{key.id}"}. A name may repeat (a list of keys).
  std::vector<std::pair<std::string, std::string>> templates;
};

// The ops a route with no `ops:` list matches.
inline constexpr Op kDefaultRouteOps[] = {Op::kCreate, Op::kUpdate, Op::kDelete, Op::kRead};

// Parses an op name: "c"/"create", "u"/"update", "d"/"delete", "r"/"read", "t"/"truncate",
// "m"/"message". InvalidArgument listing the accepted names otherwise.
Result<Op> ParseOpName(std::string_view text);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_ROUTE_SPEC_H_
