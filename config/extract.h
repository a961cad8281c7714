// Builds the typed Config from a YAML document that SpecValidator accepted. Internal to config/.
#ifndef FANOUT_CONFIG_EXTRACT_H_
#define FANOUT_CONFIG_EXTRACT_H_

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/spec.h"
#include "config/yaml_reader.h"

namespace fanout::config {

// REQUIRES: `root` passed SpecValidator::ValidateFile without errors (types are not re-checked;
// a value that does not convert is left at its default and recorded through `reader`). The
// route keys `sink_types` declare become the routes' templates and options.
void ExtractConfig(YamlReader& reader, const YAML::Node& root, const SinkTypes& sink_types,
                   Config* config);

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_EXTRACT_H_
