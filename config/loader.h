// Loads a fanout YAML config, validating all of it in one pass.
//
// Every problem is collected (unknown keys, wrong types, missing required keys, bad durations,
// unset ${ENV} references, YAML syntax errors), each with its YAML path and file:line:col, so a
// user fixes them all in one round. Setting values are never copied into error messages, because
// they may hold secrets after ${ENV} substitution; names (routes, sinks, keys, ops) are.
#ifndef FANOUT_CONFIG_LOADER_H_
#define FANOUT_CONFIG_LOADER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/env_substitution.h"
#include "config/spec.h"

namespace fanout::config {

struct ConfigError {
  SourceLocation location;
  std::string path;     // e.g. "processing.commit_interval"
  std::string message;  // what is wrong and what is expected
};

// "file:line:col: path: message".
std::string ToString(const ConfigError& error);

struct LoadResult {
  // Everything that could be read; usable only when ok(), but partly filled otherwise so later
  // checks (e.g. of the librdkafka properties) can report their errors in the same run.
  Config config;
  std::vector<ConfigError> errors;  // in file order
  bool ok() const { return errors.empty(); }
};

// Sorts errors by line and column (stable: same-place errors keep their order).
void SortErrors(std::vector<ConfigError>& errors);

// `sink_types`: the sink types the file may use, with their settings and route keys (fanout's
// own: BuiltinSinkTypes() in sinks/builtin.h).
LoadResult LoadConfigFile(const std::string& path, const SinkTypes& sink_types,
                          const EnvLookup& env = ProcessEnvironment());
LoadResult LoadConfigText(std::string_view yaml, const std::string& file_name,
                          const SinkTypes& sink_types, const EnvLookup& env = ProcessEnvironment());

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_LOADER_H_
