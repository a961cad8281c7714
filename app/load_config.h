// Loads a config and checks it completely: the YAML shape (config/) and the librdkafka
// properties (processor/kafka), errors merged in file order.
#ifndef FANOUT_APP_LOAD_CONFIG_H_
#define FANOUT_APP_LOAD_CONFIG_H_

#include <string>

#include "config/loader.h"

namespace fanout {

config::LoadResult LoadValidatedConfig(const std::string& path);

// Prints every error to stderr, one "file:line:col: path: message" per line, and a count.
void PrintConfigErrors(const config::LoadResult& result);

}  // namespace fanout

#endif  // FANOUT_APP_LOAD_CONFIG_H_
