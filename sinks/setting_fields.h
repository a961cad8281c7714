// FieldSpecs that several sink types share (sinks/<type>/spec.cc); each sink type says what
// differs: description, range, default.
#ifndef FANOUT_SINKS_SETTING_FIELDS_H_
#define FANOUT_SINKS_SETTING_FIELDS_H_

#include <cstdint>
#include <limits>
#include <string_view>

#include "config/spec.h"

namespace fanout {

config::FieldSpec UsernameField(std::string_view description);
config::FieldSpec PasswordField();
// `timeout`: above zero, at most `max_ms`, default 10s.
config::FieldSpec TimeoutField(std::string_view description,
                               std::int64_t max_ms = std::numeric_limits<std::int64_t>::max());
// `pool_size`: 1 to 256, default `default_value` (4 unless the sink says otherwise).
config::FieldSpec PoolSizeField(std::string_view default_value = "4",
                                std::string_view description = "Connections kept open.");
// `batch_size`: 1 to `max`.
config::FieldSpec BatchSizeField(std::string_view description, std::string_view default_value,
                                 std::int64_t max);
// A route's `value`: the projected after-image or the whole event.
config::FieldSpec ValueRouteKey(std::string_view description);

}  // namespace fanout

#endif  // FANOUT_SINKS_SETTING_FIELDS_H_
