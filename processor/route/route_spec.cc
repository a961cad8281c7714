#include "processor/route/route_spec.h"

#include <string>

namespace fanout {

Result<Op> ParseOpName(std::string_view text) {
  struct Name {
    std::string_view short_name;
    std::string_view long_name;
    Op op;
  };
  static constexpr Name kNames[] = {
      {"c", "create", Op::kCreate},     {"u", "update", Op::kUpdate},
      {"d", "delete", Op::kDelete},     {"r", "read", Op::kRead},
      {"t", "truncate", Op::kTruncate}, {"m", "message", Op::kMessage},
  };
  for (const Name& name : kNames) {
    if (text == name.short_name || text == name.long_name) return name.op;
  }
  return InvalidArgument("unknown op '" + std::string(text) +
                         "' (expected c, u, d, r, t, m or create, update, delete, read, "
                         "truncate, message)");
}

}  // namespace fanout
