#include "config/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/extract.h"
#include "config/spec_validator.h"
#include "config/yaml_reader.h"
#include "processor/route/projection.h"

namespace fanout::config {

const SinkConfig* Config::FindSink(std::string_view name) const {
  for (const SinkConfig& sink : sinks) {
    if (sink.name == name) return &sink;
  }
  return nullptr;
}

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
                          const SinkTypes& sink_types, const EnvLookup& env) {
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
  SpecValidator validator(reader, sink_types);
  validator.ValidateFile(root);
  // Even a file with errors is extracted as far as it goes: later checks (the librdkafka
  // properties) then report their errors in the same run.
  // Its own error list: whatever it trips over, the validator reported already.
  std::vector<ConfigError> already_reported;
  YamlReader quiet(file_name, env, &already_reported);
  if (root.IsMap()) ExtractConfig(quiet, root, sink_types, &result.config);
  // A transaction stays open for a commit interval; at or above the transaction timeout every
  // transaction would time out and abort, forever.
  if (result.config.processing.exactly_once &&
      result.config.processing.commit_interval >= kTransactionTimeout) {
    const YAML::Node interval =
        YamlReader::Child(YamlReader::Child(root, "processing"), "commit_interval");
    YamlReader located(file_name, env, &result.errors);
    located.Error(interval, "processing.commit_interval",
                  "with guarantee exactly_once it must be below the transaction timeout (60s)");
  }
  // Checks that need a whole route: include, exclude and rename must fit together.
  for (std::size_t i = 0; i < result.config.routes.size(); ++i) {
    const RouteConfig& route = result.config.routes[i];
    Result<Projection> projection = Projection::Compile(route.spec.projection);
    if (!projection.ok()) {
      result.errors.push_back(ConfigError{route.location, "routes[" + std::to_string(i) + "]",
                                          std::string(projection.status().message())});
    }
  }
  SortErrors(result.errors);
  return result;
}

LoadResult LoadConfigFile(const std::string& path, const SinkTypes& sink_types,
                          const EnvLookup& env) {
  std::ifstream file(path);
  if (!file) {
    LoadResult result;
    result.errors.push_back(ConfigError{SourceLocation{path, 0, 0}, "", "cannot open the file"});
    return result;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  return LoadConfigText(buffer.str(), path, sink_types, env);
}

}  // namespace fanout::config
