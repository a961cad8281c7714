// Process-wide logging setup (spdlog). Logs go to stderr; payloads and config values are only
// logged at debug level or below, and secrets never.
#ifndef FANOUT_OBSERVABILITY_LOGGING_H_
#define FANOUT_OBSERVABILITY_LOGGING_H_

#include <string_view>

#include "processor/core/status.h"

namespace fanout {

// `level`: trace, debug, info, warn, error. InvalidArgument for anything else.
Status SetupLogging(std::string_view level);

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_LOGGING_H_
