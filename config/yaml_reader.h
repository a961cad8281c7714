// YamlReader: typed reads from yaml-cpp nodes that record errors with path and file:line:col
// instead of throwing. Internal to config/.
#ifndef FANOUT_CONFIG_YAML_READER_H_
#define FANOUT_CONFIG_YAML_READER_H_

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/env_substitution.h"
#include "config/loader.h"

namespace fanout::config {

class YamlReader {
 public:
  YamlReader(std::string file, EnvLookup env, std::vector<ConfigError>* errors)
      : file_(std::move(file)), env_(std::move(env)), errors_(errors) {}

  SourceLocation Location(const YAML::Node& node) const;
  void Error(const YAML::Node& node, std::string_view path, std::string message);

  // Joins a parent path and a key: "", "kafka" → "kafka"; "a", "b" → "a.b".
  static std::string Join(std::string_view parent, std::string_view key);

  // True when `node` is a map; otherwise records "expected a mapping". Every key not in
  // `allowed` is reported as unknown, with the list of known keys.
  bool ExpectMap(const YAML::Node& node, std::string_view path,
                 std::initializer_list<std::string_view> allowed);

  // Scalar reads with ${ENV} substitution; nullopt after recording an error.
  std::optional<std::string> String(const YAML::Node& node, std::string_view path);
  std::optional<std::int64_t> Integer(const YAML::Node& node, std::string_view path,
                                      std::int64_t min, std::int64_t max);
  std::optional<std::chrono::milliseconds> Duration(const YAML::Node& node, std::string_view path);
  std::optional<std::string> Enum(const YAML::Node& node, std::string_view path,
                                  std::initializer_list<std::string_view> allowed);
  // A sequence of strings (a single scalar is not accepted: lists are written as lists).
  std::optional<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view path);

 private:
  std::string file_;
  EnvLookup env_;
  std::vector<ConfigError>* errors_;
};

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_YAML_READER_H_
