#include "sinks/text_numbers.h"

namespace fanout {

Result<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::optional<std::uint64_t> value = ParseDecimal<std::uint64_t>(text);
  if (!value) return InvalidArgument("not a non-negative integer");
  return *value;
}

}  // namespace fanout
