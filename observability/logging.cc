#include "observability/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace fanout {

Status SetupLogging(std::string_view level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return InvalidArgument("unknown log level '" + std::string(level) + "'");
  }
  static bool installed = false;
  if (!installed) {
    auto logger = spdlog::stderr_color_mt("fanout");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
    installed = true;
  }
  spdlog::set_level(parsed);
  return Status();
}

}  // namespace fanout
