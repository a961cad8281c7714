// What every sink's settings parser starts with: the sink's SinkTypeSpec reads its SinkSpec into
// typed values (ranges, durations, enums, defaults and unknown keys all from the spec, by the
// same parser the YAML validator uses).
#ifndef FANOUT_SINKS_SINK_SETTINGS_H_
#define FANOUT_SINKS_SINK_SETTINGS_H_

#include "config/spec.h"
#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// The settings of `spec` read against `type`. InvalidArgument "<key>: ..." names the setting at
// fault (never its value): a key `type` does not declare (`headers` included), or a value its
// FieldSpec refuses.
[[nodiscard]] Result<config::SettingValues> ReadSinkSettings(const config::SinkTypeSpec& type,
                                                             const SinkSpec& spec);

}  // namespace fanout

#endif  // FANOUT_SINKS_SINK_SETTINGS_H_
