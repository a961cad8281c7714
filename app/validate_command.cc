#include <cstdio>

#include "app/commands.h"
#include "app/load_config.h"

namespace fanout {

int ValidateCommand(const std::string& config_path) {
  config::LoadResult result = LoadValidatedConfig(config_path);
  if (!result.ok()) {
    PrintConfigErrors(result);
    return kExitConfigError;
  }
  std::printf("%s: OK\n", config_path.c_str());
  return kExitOk;
}

}  // namespace fanout
