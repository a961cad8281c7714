// RejectedRecords: remembers which consumed records produced an outgoing record that the broker
// refused on its own merits (too large for the topic's max.message.bytes, an invalid record),
// so that processing them again dead-letters them instead of failing the same way forever.
//
// Why it is needed: such a refusal arrives in a delivery report, after Produce() returned OK.
// In a transaction it makes the transaction abortable, so the consume loop aborts, rewinds and
// processes the same records again, and the broker refuses them again: a loop. At least once,
// the flush fails the same way.
//
// Why a first refusal is only a suspicion: the broker judges whole record batches, and
// librdkafka packs several records into one batch without knowing the topic's limit, so every
// record of a refused batch gets the same error. A suspect is therefore produced again on its
// own (the producer flushes before and after it); refused alone, it is the culprit and is
// dead-lettered when processed the next time; accepted alone, it was innocent -- but it keeps
// going alone while it is remembered: when a batch was refused although each record fits (the
// topic's max.message.bytes below the producer's batch.size), batching the innocent ones again
// would be refused again, and the rewound work would loop between suspicion and acquittal.
//
// A record is known by its origin (the consumed record), its destination topic and its key, so
// that the dead letter of a refused record, or another route's record made from the same
// origin, is not judged by the refused one. Delivery reports name a record by the tag Track()
// returned (librdkafka's per-message opaque), plus the topic and key they carry. Tags of an
// attempt that ended (EndAttempt: commit or abort) are ignored afterwards.
//
// Thread-safety: none; the producer's thread only (delivery reports are served by its polls).
#ifndef FANOUT_PROCESSOR_KAFKA_REJECTED_RECORDS_H_
#define FANOUT_PROCESSOR_KAFKA_REJECTED_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "processor/kafka/producer.h"

namespace fanout {

class RejectedRecords {
 public:
  enum class Verdict : std::uint8_t {
    kProduce,     // nothing known against it
    kIsolate,     // in a refused batch: produce it alone to find out
    kDeadLetter,  // refused on its own: `reason` says why
  };

  // Most records remembered as suspects or culprits; beyond it the oldest half is forgotten
  // (they are re-discovered if they come back). Far more than one attempt can hold.
  static constexpr std::size_t kMaxRemembered = 10000;

  // What to do with the record for `topic` with `key` (nullopt: a null key) made from `origin`.
  Verdict Check(const RecordOrigin& origin, std::string_view topic,
                std::optional<std::string_view> key, std::string* reason) const;

  // Registers a record about to be produced (`isolated`: alone, after a flush); returns the
  // tag its delivery report carries, never 0.
  std::uintptr_t Track(const RecordOrigin& origin, bool isolated);

  // The delivery report of `tag` (a record for `topic` with `key`) failed with a record-level
  // error (see IsRecordLevelError).
  void OnRejected(std::uintptr_t tag, std::string_view topic, std::optional<std::string_view> key,
                  std::string_view reason);
  // The delivery report of `tag` succeeded. True when it acquits a suspect: a record of a
  // refused batch that the broker accepts alone (the batch, not the record, was too large).
  bool OnDelivered(std::uintptr_t tag, std::string_view topic, std::optional<std::string_view> key);

  // The attempt (transaction or flush) ended: the tags handed out so far are stale.
  void EndAttempt();

  bool empty() const { return known_.empty(); }

 private:
  // Origin topic, partition, offset; destination topic; key ("\0" marks a null key).
  using Key = std::tuple<std::string, std::int32_t, std::int64_t, std::string, std::string>;
  struct Tracked {
    std::uint32_t topic = 0;  // index into topics_
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    bool isolated = false;
  };
  struct Known {
    bool culprit = false;    // refused alone; else a suspect, or acquitted
    bool acquitted = false;  // accepted alone: still goes alone (never back into a batch)
    std::string reason;
    std::uint64_t order = 0;  // for forgetting the oldest
  };

  std::uint32_t TopicIndex(std::string_view topic);
  const Tracked* Find(std::uintptr_t tag) const;
  static Key MakeKey(std::string_view origin_topic, std::int32_t partition, std::int64_t offset,
                     std::string_view topic, std::optional<std::string_view> key);
  void Forget();

  std::vector<std::string> topics_;
  std::vector<Tracked> tracked_;  // this attempt's records, tag - first_tag_ - 1 indexes it
  std::uintptr_t first_tag_ = 0;  // tags up to this belong to ended attempts
  std::map<Key, Known> known_;
  std::uint64_t next_order_ = 0;
};

// Whether a delivery error condemns the record itself (or its batch) rather than the broker or
// the network: retrying cannot help.
bool IsRecordLevelError(int librdkafka_error_code);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_KAFKA_REJECTED_RECORDS_H_
