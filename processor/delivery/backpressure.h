// Backpressure: which partitions to pause and resume so that the records in flight stay bounded,
// in total, per partition and in bytes (docs/ARCHITECTURE.md#threads-and-bounds). A partition
// pauses when the total reaches `max_total`, the bytes reach `max_total_bytes`, or its own count
// reaches `max_per_partition`, and resumes once all are back under half of their bound: the gap
// keeps a partition from flapping at the edge. Large rows reach the byte bound long before the
// record bound.
//
// Thread-safety: not thread-safe; the consume loop's thread.
#ifndef FANOUT_PROCESSOR_DELIVERY_BACKPRESSURE_H_
#define FANOUT_PROCESSOR_DELIVERY_BACKPRESSURE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "processor/core/kafka_record.h"

namespace fanout {

class Backpressure {
 public:
  // Every bound at least 1.
  Backpressure(std::size_t max_total, std::size_t max_per_partition,
               std::size_t max_total_bytes = SIZE_MAX);

  struct Decision {
    std::vector<TopicPartition> pause;
    std::vector<TopicPartition> resume;
  };

  // The changes to apply given the records in flight now (`total`, holding `total_bytes`, and
  // `in_flight(tp)` per partition). The caller applies them; they count as applied.
  Decision Update(const std::set<TopicPartition>& assigned, std::size_t total,
                  std::size_t total_bytes,
                  const std::function<std::size_t(const TopicPartition&)>& in_flight);

  // Forgets partitions that left the assignment (a new assignment starts unpaused).
  void Forget(const std::vector<TopicPartition>& partitions);

  bool paused(const TopicPartition& tp) const { return paused_.contains(tp); }
  std::size_t paused_count() const { return paused_.size(); }

 private:
  std::size_t max_total_;
  std::size_t max_per_partition_;
  std::size_t max_total_bytes_;
  std::set<TopicPartition> paused_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_BACKPRESSURE_H_
