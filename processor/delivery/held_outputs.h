// HeldOutputs: Kafka records that may only be produced in the transaction that commits the
// offset they belong to — the dead letters of asynchronous failures. Written when the failure is
// known, such a dead letter could commit in a transaction while its record's offset stays below
// an unfinished one; after a crash the record would be done again and dead-lettered twice. Held
// here instead, it is released into the transaction that commits past its record.
//
// Thread-safety: not thread-safe; the consume loop's thread only.
#ifndef FANOUT_PROCESSOR_DELIVERY_HELD_OUTPUTS_H_
#define FANOUT_PROCESSOR_DELIVERY_HELD_OUTPUTS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/kafka/producer.h"

namespace fanout {

class HeldOutputs {
 public:
  using Writer = std::function<Status(const OutgoingRecord& record)>;

  // Holds `record` until `offset` of `tp` is committed. The record is copied whole (its origin's
  // topic included).
  void Hold(const TopicPartition& tp, std::int64_t offset, const OutgoingRecord& record);

  // Writes, through `write` and in offset order per partition, every held record below the
  // offset each of `offsets` is about to commit, and forgets it. Stops at the first error
  // (what was not written stays held).
  Status Release(const std::vector<PartitionOffset>& offsets, const Writer& write);

  // Forgets the held records of `partitions` (null: all): their records are done again.
  void Drop(const std::vector<TopicPartition>* partitions);

  std::size_t size() const { return size_; }

 private:
  struct Held {
    OutgoingRecord record;
    std::string origin_topic;  // what record.origin->topic points to
  };
  std::map<TopicPartition, std::multimap<std::int64_t, Held>> held_;
  std::size_t size_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_HELD_OUTPUTS_H_
