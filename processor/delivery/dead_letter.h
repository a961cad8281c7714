// Dead letters: a record that cannot be processed goes to the dead-letter topic with its
// original key, value and headers, plus fanout.* headers that say what failed, where and when.
// Pure: building only; the caller produces it (in the same transaction as the offsets).
#ifndef FANOUT_PROCESSOR_DELIVERY_DEAD_LETTER_H_
#define FANOUT_PROCESSOR_DELIVERY_DEAD_LETTER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "processor/core/kafka_record.h"
#include "processor/kafka/producer.h"

namespace fanout {

struct DeadLetterContext {
  std::string_view error_class;  // "decode_error", "bad_record", ...
  std::string_view message;      // never contains payload bytes or secrets
  std::string_view route;        // empty when the record failed before routing
  std::string_view sink;
  int attempts = 1;
  std::int64_t first_failure_ms = 0;  // wall clock, ms since the epoch
  std::int64_t last_failure_ms = 0;
};

// Headers: the original ones, then fanout.error.class, fanout.error.message, fanout.route,
// fanout.sink, fanout.source.topic, fanout.source.partition, fanout.source.offset,
// fanout.attempts, fanout.failure.first_ms, fanout.failure.last_ms.
OutgoingRecord BuildDeadLetter(std::string_view topic, const KafkaRecordView& source,
                               const DeadLetterContext& context);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_DEAD_LETTER_H_
