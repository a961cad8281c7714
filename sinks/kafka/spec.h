// The Kafka sink's part of the configuration: its settings and its route keys. Validation and
// docs/CONFIG.md read it; the records are built by sinks/kafka/record_builder.h.
#ifndef FANOUT_SINKS_KAFKA_SPEC_H_
#define FANOUT_SINKS_KAFKA_SPEC_H_

#include "config/spec.h"

namespace fanout {

const config::SinkTypeSpec& KafkaSinkType();

}  // namespace fanout

#endif  // FANOUT_SINKS_KAFKA_SPEC_H_
