#include "app/load_config.h"

#include <fmt/format.h>

#include <cstdio>

#include "processor/kafka/consumer.h"

namespace fanout {

config::LoadResult LoadValidatedConfig(const std::string& path) {
  config::LoadResult result = config::LoadConfigFile(path);
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
  config::SortErrors(result.errors);
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
