#include "sinks/text_numbers.h"

#include <string>

namespace fanout {

Result<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::optional<std::uint64_t> value = ParseDecimal<std::uint64_t>(text);
  if (!value) return InvalidArgument("not a non-negative integer");
  return *value;
}

Result<std::size_t> ParseBounded(const SinkSpec& spec, std::string_view key, std::size_t fallback,
                                 std::size_t min, std::size_t max) {
  const std::string_view text = spec.Setting(key);
  if (text.empty()) return fallback;
  Result<std::uint64_t> value = ParseUnsigned(text);
  if (!value.ok() || *value < min || *value > max) {
    return InvalidArgument(std::string(key) + ": must be an integer from " + std::to_string(min) +
                           " to " + std::to_string(max));
  }
  return static_cast<std::size_t>(*value);
}

}  // namespace fanout
