#include "config/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

namespace fanout::config {

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  // The text is not echoed: after ${ENV} substitution it may be a secret.
  const std::string expected = "expected a duration such as 250ms, 1s, 5m or 1h";
  std::int64_t amount = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || ptr == text.data() || amount < 0) return InvalidArgument(expected);
  std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::int64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 3600 * 1000;
  } else {
    return InvalidArgument(expected);
  }
  if (amount > std::numeric_limits<std::int64_t>::max() / scale) {
    return InvalidArgument("the duration is too large");
  }
  return std::chrono::milliseconds(amount * scale);
}

}  // namespace fanout::config
