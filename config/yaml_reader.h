// YamlReader: typed reads from yaml-cpp nodes that record errors with path and file:line:col
// instead of throwing. Internal to config/.
#ifndef FANOUT_CONFIG_YAML_READER_H_
#define FANOUT_CONFIG_YAML_READER_H_

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
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
  // An error at byte `offset` inside the single-line scalar `node` (the column moves right by
  // the offset, and by one more for a quoted scalar's opening quote).
  void ErrorAt(const YAML::Node& node, std::size_t offset, std::string_view path,
               std::string message);

  // node[key] when `node` is a mapping that has it; an undefined node otherwise. Safe on
  // undefined nodes (yaml-cpp throws when a missing node is indexed or inspected).
  static YAML::Node Child(const YAML::Node& node, std::string_view key);

  // Joins a parent path and a key: "", "kafka" → "kafka"; "a", "b" → "a.b".
  static std::string Join(std::string_view parent, std::string_view key);

  // Scalar reads with ${ENV} substitution; nullopt after recording an error.
  std::optional<std::string> String(const YAML::Node& node, std::string_view path);
  std::optional<std::int64_t> Integer(const YAML::Node& node, std::string_view path,
                                      std::int64_t min, std::int64_t max);
  std::optional<std::chrono::milliseconds> Duration(const YAML::Node& node, std::string_view path);
  std::optional<std::string> Enum(const YAML::Node& node, std::string_view path,
                                  const std::vector<std::string_view>& allowed);
  // A sequence of strings (a single scalar is not accepted: lists are written as lists).
  std::optional<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view path);

 private:
  std::string file_;
  EnvLookup env_;
  std::vector<ConfigError>* errors_;
};

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_YAML_READER_H_
