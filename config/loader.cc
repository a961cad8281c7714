#include "config/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include "config/yaml_reader.h"

namespace fanout::config {
namespace {

void ReadKafka(YamlReader& reader, const YAML::Node& node, Config* config) {
  if (!node.IsMap()) {
    reader.Error(node, "kafka", "expected a mapping of librdkafka properties");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    std::optional<std::string> value = reader.String(it->second, YamlReader::Join("kafka", key));
    if (value) {
      config->kafka.push_back(KafkaProperty{key, std::move(*value), reader.Location(it->first)});
    }
  }
}

void ReadSource(YamlReader& reader, const YAML::Node& node, Config* config) {
  if (!reader.ExpectMap(node, "source", {"topics"})) return;
  const YAML::Node topics = node["topics"];
  if (!topics) {
    reader.Error(node, "source.topics", "required: the Debezium topics to read (names or ^regex)");
    return;
  }
  std::optional<std::vector<std::string>> list = reader.StringList(topics, "source.topics");
  if (!list) return;
  if (list->empty()) {
    reader.Error(topics, "source.topics", "must name at least one topic");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string& topic = (*list)[i];
    const std::string path = "source.topics[" + std::to_string(i) + "]";
    if (topic.empty()) {
      reader.Error(topics[i], path, "a topic name cannot be empty");
    } else if (topic.front() == '^') {
      try {
        std::regex pattern(topic, std::regex::extended);
      } catch (const std::regex_error& e) {
        reader.Error(topics[i], path, std::string("invalid regular expression: ") + e.what());
      }
    }
  }
  config->source.topics = std::move(*list);
}

void ReadProcessing(YamlReader& reader, const YAML::Node& node, Config* config) {
  if (!reader.ExpectMap(node, "processing", {"commit_interval", "max_batch"})) return;
  if (const YAML::Node interval = node["commit_interval"]) {
    if (auto value = reader.Duration(interval, "processing.commit_interval")) {
      if (value->count() == 0) {
        reader.Error(interval, "processing.commit_interval", "must be greater than 0");
      } else {
        config->processing.commit_interval = *value;
      }
    }
  }
  if (const YAML::Node batch = node["max_batch"]) {
    if (auto value = reader.Integer(batch, "processing.max_batch", 1, 100000)) {
      config->processing.max_batch = static_cast<std::size_t>(*value);
    }
  }
}

void ReadLogging(YamlReader& reader, const YAML::Node& node, Config* config) {
  if (!reader.ExpectMap(node, "logging", {"level", "progress_interval"})) return;
  if (const YAML::Node level = node["level"]) {
    if (auto value =
            reader.Enum(level, "logging.level", {"trace", "debug", "info", "warn", "error"})) {
      config->logging.level = *value;
    }
  }
  if (const YAML::Node interval = node["progress_interval"]) {
    if (auto value = reader.Duration(interval, "logging.progress_interval")) {
      config->logging.progress_interval = *value;
    }
  }
}

void ReadRoot(YamlReader& reader, const YAML::Node& root, Config* config) {
  if (!root.IsDefined() || root.IsNull()) {
    reader.Error(root, "", "the file is empty; expected a mapping with 'version: 1'");
    return;
  }
  if (!reader.ExpectMap(root, "", {"version", "kafka", "source", "processing", "logging"})) return;
  if (const YAML::Node version = root["version"]) {
    if (auto value = reader.Integer(version, "version", 1, 1))
      config->version = static_cast<int>(*value);
  } else {
    reader.Error(root, "version", "required: 'version: 1'");
  }
  if (const YAML::Node kafka = root["kafka"]) {
    ReadKafka(reader, kafka, config);
  } else {
    reader.Error(root, "kafka",
                 "required: librdkafka properties (bootstrap.servers, group.id, ...)");
  }
  if (const YAML::Node source = root["source"]) {
    ReadSource(reader, source, config);
  } else {
    reader.Error(root, "source", "required: 'source: { topics: [...] }'");
  }
  if (const YAML::Node processing = root["processing"]) ReadProcessing(reader, processing, config);
  if (const YAML::Node logging = root["logging"]) ReadLogging(reader, logging, config);
}

}  // namespace

std::string ToString(const SourceLocation& location) {
  if (location.line == 0) return location.file;
  return location.file + ":" + std::to_string(location.line) + ":" +
         std::to_string(location.column);
}

std::string ToString(const ConfigError& error) {
  std::string out = ToString(error.location) + ": ";
  if (!error.path.empty()) out += error.path + ": ";
  out += error.message;
  return out;
}

void SortErrors(std::vector<ConfigError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.location.line, a.location.column) <
           std::pair(b.location.line, b.location.column);
  });
}

LoadResult LoadConfigText(std::string_view yaml, const std::string& file_name,
                          const EnvLookup& env) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {  // control plane: yaml-cpp reports syntax errors by throwing
    SourceLocation location{file_name, e.mark.is_null() ? 0 : e.mark.line + 1,
                            e.mark.is_null() ? 0 : e.mark.column + 1};
    result.errors.push_back(ConfigError{location, "", "YAML syntax error: " + e.msg});
    return result;
  }
  YamlReader reader(file_name, env, &result.errors);
  ReadRoot(reader, root, &result.config);
  SortErrors(result.errors);
  return result;
}

LoadResult LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream file(path);
  if (!file) {
    LoadResult result;
    result.errors.push_back(ConfigError{SourceLocation{path, 0, 0}, "", "cannot open the file"});
    return result;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  return LoadConfigText(buffer.str(), path, env);
}

}  // namespace fanout::config
