// Durations as written in the config and in sink settings: an integer and a unit, e.g. 250ms,
// 1s, 5m, 1h, 7d. One parser, so that every option that takes a duration takes the same ones.
#ifndef FANOUT_PROCESSOR_CORE_DURATION_H_
#define FANOUT_PROCESSOR_CORE_DURATION_H_

#include <chrono>
#include <string_view>

#include "processor/core/status.h"

namespace fanout {

// Units: ms, s, m, h, d. A bare number, a negative number, a fraction, an unknown unit or more
// milliseconds than an int64 holds is an InvalidArgument that says what is accepted (the text
// itself is not echoed: after ${ENV} substitution it may be a secret). Zero is accepted; callers
// that need a positive duration use ParsePositiveDuration.
[[nodiscard]] Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// As ParseDuration, and above zero and at most `max`.
[[nodiscard]] Result<std::chrono::milliseconds> ParsePositiveDuration(
    std::string_view text, std::chrono::milliseconds max = std::chrono::milliseconds::max());

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_DURATION_H_
