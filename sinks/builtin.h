// The sink types built into fanout, registered explicitly (no static-initialiser magic): adding
// a sink type means adding one line to RegisterBuiltinSinks, which registers its configuration
// spec (sinks/<type>/spec.h) together with its factory.
#ifndef FANOUT_SINKS_BUILTIN_H_
#define FANOUT_SINKS_BUILTIN_H_

#include "config/spec.h"
#include "sinks/sink.h"

namespace fanout {

// Registers every sink type of this build. The Kafka sink is registered with its spec and no
// factory: it writes inside the consume loop's transaction (sinks/kafka/record_builder.h).
Status RegisterBuiltinSinks(SinkRegistry& registry);

// The specs RegisterBuiltinSinks registers, for the config loader and `fanout config-docs`.
config::SinkTypes BuiltinSinkTypes();

}  // namespace fanout

#endif  // FANOUT_SINKS_BUILTIN_H_
