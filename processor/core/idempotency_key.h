// The idempotency key of a change delivered by a route: what a receiver (an HTTP service's
// Idempotency-Key header) or fanout's own idempotency-key stores (dedup/) recognise a repeat by.
// Pure: no I/O.
#ifndef FANOUT_PROCESSOR_CORE_IDEMPOTENCY_KEY_H_
#define FANOUT_PROCESSOR_CORE_IDEMPOTENCY_KEY_H_

#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"

namespace fanout {

// "<route>:<position>:<op>:<digest>" where <position> is event.position.ToString() ("pg:<commit
// lsn>:<lsn>", "binlog:<file>:<pos>:<row>") and <digest> 16 hex digits of FNV-1a over the
// qualified table and the key row (the row image when the table has no key): the same on every
// replay of the change, and different for rows that share a position (the rows of one snapshot,
// the delete and insert of a primary-key change). Without a source position (kNone, or the
// decoder's own Kafka fallback, which lacks the topic) it is "<route>:kafka:<topic>:<partition>:
// <offset>": weaker, since Debezium re-emits a change at a new offset after its own restart.
std::string IdempotencyKey(std::string_view route, const ChangeEvent& event,
                           const KafkaRecordView& record);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_IDEMPOTENCY_KEY_H_
