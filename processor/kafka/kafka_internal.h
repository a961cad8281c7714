// Shared between the librdkafka consumer and producer. Internal to processor/kafka.
#ifndef FANOUT_PROCESSOR_KAFKA_KAFKA_INTERNAL_H_
#define FANOUT_PROCESSOR_KAFKA_KAFKA_INTERNAL_H_

#include <librdkafka/rdkafka.h>

#include <memory>
#include <vector>

#include "processor/kafka/consumer.h"

namespace fanout::kafka {

// The librdkafka handle behind a consumer made by CreateKafkaConsumer(); nullptr for any other
// Consumer (e.g. a test fake) or a closed one.
rd_kafka_t* HandleOf(Consumer& consumer);

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// A librdkafka list of `offsets`, each with its offset and commit metadata (consumer commits and
// send_offsets_to_transaction alike).
PartitionListPtr ToPartitionList(const std::vector<PartitionOffset>& offsets);

// The offset and commit metadata of each element of `list` (as rd_kafka_committed fills it).
std::vector<PartitionOffset> FromPartitionList(const rd_kafka_topic_partition_list_t* list);

// librdkafka's log callback, routed to the process log.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message);

}  // namespace fanout::kafka

#endif  // FANOUT_PROCESSOR_KAFKA_KAFKA_INTERNAL_H_
