#include "app/load_config.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/commands.h"
#include "app/config_secrets.h"
#include "app/sink_checks.h"
#include "observability/logging.h"
#include "processor/kafka/consumer.h"
#include "sinks/builtin.h"

namespace fanout {

config::LoadResult LoadValidatedConfig(const std::string& path) {
  config::LoadResult result = config::LoadConfigFile(path, BuiltinSinkTypes());
  KafkaProperties properties;
  for (const config::KafkaProperty& p : result.config.kafka)
    properties.emplace_back(p.key, p.value);
  // A kafka section that is missing or not a mapping was reported already.
  const bool have_kafka = !result.config.kafka.empty();
  if (!have_kafka) return result;
  for (const PropertyError& error : ValidateConsumerProperties(properties)) {
    config::SourceLocation location = result.config.kafka.front().location;  // a missing one
    for (const config::KafkaProperty& p : result.config.kafka) {
      if (p.key == error.property) location = p.location;
    }
    result.errors.push_back({location, "kafka." + error.property, error.message});
  }
  // The sinks' own parsers and the routes' bindings, once the rest is sound: they need a whole
  // config to run on.
  if (result.errors.empty()) {
    for (config::ConfigError& error : CheckSinksAndRoutes(result.config)) {
      result.errors.push_back(std::move(error));
    }
  }
  config::SortErrors(result.errors);
  return result;
}

std::optional<config::Config> LoadConfigForCommand(const std::string& path,
                                                   const std::optional<std::string>& log_level,
                                                   int* exit_code) {
  config::LoadResult loaded = LoadValidatedConfig(path);
  if (!loaded.ok()) {
    PrintConfigErrors(loaded);
    *exit_code = kExitConfigError;
    return std::nullopt;
  }
  RegisterConfigSecrets(loaded.config);  // before the first line is logged
  LoggingOptions logging;
  const std::string level = log_level.value_or(loaded.config.logging.level);
  logging.level = level;
  Result<LogFormat> format = ParseLogFormat(loaded.config.logging.format);
  if (format.ok()) logging.format = *format;  // validation allows only valid names
  Status status = SetupLogging(logging);
  if (!status.ok()) {
    spdlog::error("{}", status.ToString());
    *exit_code = kExitConfigError;
    return std::nullopt;
  }
  return std::move(loaded.config);
}

Result<Router> CompileRoutes(const config::Config& config) {
  std::vector<RouteSpec> specs;
  for (const config::RouteConfig& route : config.routes) specs.push_back(route.spec);
  Result<Router> router = Router::Create(std::move(specs));
  if (!router.ok()) spdlog::error("routes: {}", router.status().message());
  return router;
}

void PrintConfigErrors(const config::LoadResult& result) {
  for (const config::ConfigError& error : result.errors) {
    std::fputs((config::ToString(error) + "\n").c_str(), stderr);
  }
  std::fputs(fmt::format("{} error{} in the configuration\n", result.errors.size(),
                         result.errors.size() == 1 ? "" : "s")
                 .c_str(),
             stderr);
}

}  // namespace fanout
