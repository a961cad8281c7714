// Dead letters: a record that cannot be processed goes to the dead-letter topic with its
// original key, value and headers, plus fanout.* headers that say what failed, where and when.
// Pure: building only; the caller produces it (in the same transaction as the offsets).
#ifndef FANOUT_PROCESSOR_DELIVERY_DEAD_LETTER_H_
#define FANOUT_PROCESSOR_DELIVERY_DEAD_LETTER_H_

#include <cstddef>
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
//
// A dead letter larger than `max_bytes` (key, value and headers; 0: no bound) could not be
// written at all, and the records most likely to fail are the large ones (HTTP 413). It is cut
// to fit: the value first, then the key, then the original headers are dropped. What was cut is
// said by fanout.truncated ("value", "key,value", ...) and, per part, fanout.original.<part>.bytes
// and fanout.original.<part>.sha256 (hex) of the part as it was; the record itself stays in
// its source topic at fanout.source.*. A cut dead letter cannot be replayed.
OutgoingRecord BuildDeadLetter(std::string_view topic, const KafkaRecordView& source,
                               const DeadLetterContext& context, std::size_t max_bytes = 0);

// The bytes a record takes against a size bound: key, value, and each header's name and value
// with a small allowance for the record's own framing.
std::size_t DeadLetterBytes(const OutgoingRecord& record);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_DEAD_LETTER_H_
