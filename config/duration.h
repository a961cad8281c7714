// Durations as written in the config: an integer and a unit, e.g. 250ms, 1s, 5m, 1h.
#ifndef FANOUT_CONFIG_DURATION_H_
#define FANOUT_CONFIG_DURATION_H_

#include <chrono>
#include <string_view>

#include "processor/core/status.h"

namespace fanout::config {

// Units: ms, s, m, h. A bare number, a negative number, a fraction or an unknown unit is an
// InvalidArgument that says what is accepted.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_DURATION_H_
