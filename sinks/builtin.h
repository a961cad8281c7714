// The sink types built into fanout, registered explicitly (no static-initialiser magic): adding
// a sink type means adding one line to RegisterBuiltinSinks.
#ifndef FANOUT_SINKS_BUILTIN_H_
#define FANOUT_SINKS_BUILTIN_H_

#include "sinks/sink.h"

namespace fanout {

// Registers every asynchronous sink type of this build. The Kafka sink is not among them: it
// writes inside the consume loop's transaction (sinks/kafka/record_builder.h).
Status RegisterBuiltinSinks(SinkRegistry& registry);

}  // namespace fanout

#endif  // FANOUT_SINKS_BUILTIN_H_
