// Durations as written in the config: the one parser of processor/core/duration.h (ms, s, m, h,
// d), under the config namespace where the loader and the commands look for it.
#ifndef FANOUT_CONFIG_DURATION_H_
#define FANOUT_CONFIG_DURATION_H_

#include "processor/core/duration.h"

namespace fanout::config {

using ::fanout::ParseDuration;

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_DURATION_H_
