// Process-wide logging setup (spdlog). Logs go to stderr, as JSON lines (one object per line:
// ts, level, msg) or as plain text for a terminal; `auto` picks JSON unless stderr is a TTY.
//
// Repeated warnings and errors are rate-limited: messages alike but for their numbers (offsets,
// partitions, counts) pass at most `burst` times per `window`; the rest are counted and one
// "suppressed N similar messages" line reports them when the window ends.
//
// What may be logged: payloads (keys, values, rows) and config values only at debug level or
// below, which has to be asked for explicitly; secrets (passwords, ${ENV} values, credentials in
// URLs) never.
#ifndef FANOUT_OBSERVABILITY_LOGGING_H_
#define FANOUT_OBSERVABILITY_LOGGING_H_

#include <chrono>
#include <cstddef>
#include <string_view>

#include "processor/core/status.h"

namespace fanout {

enum class LogFormat { kAuto, kJson, kText };

struct LoggingOptions {
  std::string_view level = "info";  // trace, debug, info, warn, error, off
  LogFormat format = LogFormat::kAuto;
  std::size_t burst = 10;  // alike warnings/errors per window; 0 disables the limit
  std::chrono::milliseconds window{10000};
};

// InvalidArgument for an unknown level. May be called again to change the level or format.
Status SetupLogging(const LoggingOptions& options);
Status SetupLogging(std::string_view level);

// "auto", "json", "text". InvalidArgument for anything else.
Result<LogFormat> ParseLogFormat(std::string_view text);

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_LOGGING_H_
