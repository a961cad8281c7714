#include "app/load_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "processor/kafka/consumer.h"

namespace fanout {

config::LoadResult LoadValidatedConfig(const std::string& path) {
  config::LoadResult result = config::LoadConfigFile(path);
  if (!result.config) return result;
  KafkaProperties properties;
  for (const config::KafkaProperty& p : result.config->kafka) properties.emplace_back(p.key, p.value);
  for (const PropertyError& error : ValidateConsumerProperties(properties)) {
    config::SourceLocation location{path, 0, 0};
    for (const config::KafkaProperty& p : result.config->kafka) {
      if (p.key == error.property) location = p.location;
    }
    if (location.line == 0) {  // a missing required property: point at the kafka section
      location = result.config->kafka.empty() ? location : result.config->kafka.front().location;
    }
    result.errors.push_back({location, "kafka." + error.property, error.message});
  }
  if (!result.errors.empty()) {
    std::stable_sort(result.errors.begin(), result.errors.end(), [](const auto& a, const auto& b) {
      return std::pair(a.location.line, a.location.column) <
             std::pair(b.location.line, b.location.column);
    });
    result.config.reset();
  }
  return result;
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
