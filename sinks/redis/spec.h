// The Redis sink's part of the configuration: its settings and its route keys, with their
// ranges and defaults. Validation, ParseRedisSinkSettings and docs/CONFIG.md all read it.
#ifndef FANOUT_SINKS_REDIS_SPEC_H_
#define FANOUT_SINKS_REDIS_SPEC_H_

#include "config/spec.h"

namespace fanout {

const config::SinkTypeSpec& RedisSinkType();

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_SPEC_H_
