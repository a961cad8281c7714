#include "processor/core/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

namespace fanout {

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string expected = "expected a duration such as 250ms, 1s, 5m, 1h or 7d";
  std::int64_t amount = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || ptr == text.data() || amount < 0) return InvalidArgument(expected);
  const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::int64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 3600 * 1000;
  } else if (unit == "d") {
    scale = 24 * 3600 * 1000;
  } else {
    return InvalidArgument(expected);
  }
  if (amount > std::numeric_limits<std::int64_t>::max() / scale) {
    return InvalidArgument("the duration is too large");
  }
  return std::chrono::milliseconds(amount * scale);
}

Result<std::chrono::milliseconds> ParsePositiveDuration(std::string_view text,
                                                        std::chrono::milliseconds max) {
  Result<std::chrono::milliseconds> value = ParseDuration(text);
  if (!value.ok()) return value;
  if (value->count() == 0) return InvalidArgument("the duration must be above zero");
  if (*value > max) {
    return InvalidArgument("the duration is too large (at most " + std::to_string(max.count()) +
                           "ms)");
  }
  return value;
}

}  // namespace fanout
