// Producer: writes records to Kafka for the Kafka sink and the dead-letter queue, either inside
// transactions that also carry the consumer's offsets (exactly once), or idempotently without
// transactions (at least once). The only implementation that talks to Kafka is librdkafka's.
//
// Thread-safety: used from the consume loop's thread only (transaction calls block).
//
// Errors, by what the caller must do:
//   Aborted  — the transaction cannot commit: call AbortTransaction(), rewind the consumer to its
//              committed offsets, and process again (nothing of the aborted work is visible).
//   Internal — fatal (fenced by a newer instance, or an unrecoverable client error): stop and
//              exit non-zero; a restart recovers.
//   InvalidArgument — the record itself is unacceptable (e.g. too large): a bad record. Also
//              for a record whose origin produced a record the broker refused on its own
//              merits in an earlier attempt (see processor/kafka/rejected_records.h).
#ifndef FANOUT_PROCESSOR_KAFKA_PRODUCER_H_
#define FANOUT_PROCESSOR_KAFKA_PRODUCER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/kafka/consumer.h"

namespace fanout {

// The consumed record an outgoing record was made from.
struct RecordOrigin {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
};

struct OutgoingRecord {
  std::string topic;
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: a tombstone
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for records made from a consumed record (routes, dead letters): lets the producer
  // recognise a record the broker refused asynchronously when it is processed again. Its
  // topic must stay valid during Produce() only.
  std::optional<RecordOrigin> origin;
};

class Producer {
 public:
  virtual ~Producer() = default;

  virtual bool transactional() const = 0;

  // Transactional mode only: starts the next transaction. REQUIRES: none open.
  virtual Status BeginTransaction() = 0;

  // Enqueues a record (in the open transaction, if transactional), waiting while the local
  // queue is full. The record counts as written when the transaction commits (or, without
  // transactions, when Flush() returns OK).
  virtual Status Produce(const OutgoingRecord& record) = 0;

  // Transactional: adds `offsets` (the next offset to read, per partition, for the consumer's
  // group) to the open transaction and commits it; records and offsets become visible together
  // or not at all. Without transactions: waits for every record produced so far to be
  // acknowledged (Aborted when any failed) — the caller commits the offsets afterwards.
  virtual Status Commit(const std::vector<PartitionOffset>& offsets) = 0;

  // Transactional: aborts the open transaction (its records are never visible to read_committed
  // consumers). Without transactions: forgets failed deliveries (the caller rewinds and sends
  // them again).
  virtual Status Abort() = 0;
};

struct ProducerConfig {
  KafkaProperties properties;  // bootstrap.servers etc.; consumer-only properties are left out
  // Transactional when set: stable per instance, so a restarted instance fences its previous
  // incarnation and aborts whatever transaction it left open at once.
  std::optional<std::string> transactional_id;
  // How long initialising transactions may wait for the broker (one attempt; Unavailable after).
  std::chrono::milliseconds init_timeout{30000};
};

// A transactional producer tied to `consumer`'s group (KIP-447: the consumer's group metadata
// goes into every offset commit, so a zombie of a revoked generation is fenced). Initialises
// transactions (waiting for the broker) and begins the first one.
Result<std::unique_ptr<Producer>> CreateTransactionalProducer(Consumer& consumer,
                                                              const ProducerConfig& config);
// An idempotent producer without transactions (at-least-once mode).
Result<std::unique_ptr<Producer>> CreateIdempotentProducer(const ProducerConfig& config);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_KAFKA_PRODUCER_H_
