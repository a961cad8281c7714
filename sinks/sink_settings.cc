#include "sinks/sink_settings.h"

#include <algorithm>
#include <string>

namespace fanout {

using config::FieldSpec;

Result<config::SettingValues> ReadSinkSettings(const config::SinkTypeSpec& type,
                                               const SinkSpec& spec) {
  const std::string owner = std::string(type.type) + " sinks";
  if (!spec.headers.empty()) {
    const bool takes_headers = std::any_of(type.settings.begin(), type.settings.end(),
                                           [](const FieldSpec& f) { return f.name == "headers"; });
    if (!takes_headers) return InvalidArgument("headers: not a setting of " + owner);
  }
  return config::ReadSettings(type.settings, spec.settings, owner);
}

}  // namespace fanout
