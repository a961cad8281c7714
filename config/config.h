// The validated configuration of one fanout instance (docs/CONFIG.md describes every key).
#ifndef FANOUT_CONFIG_CONFIG_H_
#define FANOUT_CONFIG_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace fanout::config {

// Where something was written in the YAML file; 1-based line and column (0 when unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// "file:line:col" (or "file" when the line is unknown).
std::string ToString(const SourceLocation& location);

struct KafkaProperty {
  std::string key;
  std::string value;  // after ${ENV} substitution; may hold a secret: never log it
  SourceLocation location;
};

struct SourceConfig {
  std::vector<std::string> topics;  // names, or regexes starting with '^'
};

struct ProcessingConfig {
  std::chrono::milliseconds commit_interval{1000};
  std::size_t max_batch = 1000;
};

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error
  std::chrono::milliseconds progress_interval{5000};
};

struct Config {
  int version = 1;
  std::vector<KafkaProperty> kafka;
  SourceConfig source;
  ProcessingConfig processing;
  LoggingConfig logging;
};

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_CONFIG_H_
