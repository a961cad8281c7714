// Shared between the librdkafka consumer and producer. Internal to processor/kafka.
#ifndef FANOUT_PROCESSOR_KAFKA_KAFKA_INTERNAL_H_
#define FANOUT_PROCESSOR_KAFKA_KAFKA_INTERNAL_H_

#include <librdkafka/rdkafka.h>

#include "processor/kafka/consumer.h"

namespace fanout::kafka {

// The librdkafka handle behind a consumer made by CreateKafkaConsumer(); nullptr for any other
// Consumer (e.g. a test fake) or a closed one.
rd_kafka_t* HandleOf(Consumer& consumer);

// librdkafka's log callback, routed to the process log.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message);

}  // namespace fanout::kafka

#endif  // FANOUT_PROCESSOR_KAFKA_KAFKA_INTERNAL_H_
