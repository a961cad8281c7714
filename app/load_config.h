// Loads a config and checks it completely: the YAML shape (config/), the librdkafka properties
// (processor/kafka), and every sink's settings and route binding (app/sink_checks.h), errors
// merged in file order. Connects to nothing and loads no library the config names.
#ifndef FANOUT_APP_LOAD_CONFIG_H_
#define FANOUT_APP_LOAD_CONFIG_H_

#include <optional>
#include <string>

#include "config/loader.h"
#include "processor/route/router.h"

namespace fanout {

config::LoadResult LoadValidatedConfig(const std::string& path);

// What every long-running command starts with: the validated config (errors printed) and the
// process log set up at `log_level` (or the config's level). nullopt after printing why, with
// `*exit_code` set.
std::optional<config::Config> LoadConfigForCommand(const std::string& path,
                                                   const std::optional<std::string>& log_level,
                                                   int* exit_code);

// The routes of `config`, compiled. Validation compiled every piece already; this is the last
// line of defence (errors are logged).
Result<Router> CompileRoutes(const config::Config& config);

// Prints every error to stderr, one "file:line:col: path: message" per line, and a count.
void PrintConfigErrors(const config::LoadResult& result);

}  // namespace fanout

#endif  // FANOUT_APP_LOAD_CONFIG_H_
