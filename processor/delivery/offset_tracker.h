// OffsetTracker: which offsets of each partition are safe to commit.
//
// Every consumed record is Track()ed in offset order, and Complete()d when every action it caused
// has been acknowledged. The committable offset of a partition is one past the end of the
// contiguous completed prefix: an unfinished record holds back every later one (never commit past
// a hole), so a crash at any moment re-delivers exactly the unfinished records and their
// successors.
//
// Thread-safety: not thread-safe; owned by the consume loop's thread.
#ifndef FANOUT_PROCESSOR_DELIVERY_OFFSET_TRACKER_H_
#define FANOUT_PROCESSOR_DELIVERY_OFFSET_TRACKER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

class OffsetTracker {
 public:
  // Records that `offset` of `tp` is in flight. Offsets of one partition must be tracked in
  // increasing order (gaps are fine: compaction and transaction markers leave some).
  // Returns FailedPrecondition when `offset` is not above the last tracked one. `timestamp_ms`
  // (the record's Kafka timestamp, -1 when unknown) dates the partition's lag.
  Status Track(const TopicPartition& tp, std::int64_t offset, std::int64_t timestamp_ms = -1);

  // Marks a tracked offset finished. NotFound when it was never tracked (or already dropped).
  Status Complete(const TopicPartition& tp, std::int64_t offset);

  // Partitions whose committable offset moved since the last call, with that offset.
  std::vector<PartitionOffset> TakeCommittable();

  // The offset a commit of `tp` names now: one past the completed prefix, or, before anything
  // completed, the first tracked offset (where reading started). -1 when nothing was tracked.
  std::int64_t CommitPosition(const TopicPartition& tp) const;

  // The committable offsets of the given partitions that moved since the last Take, and forgets
  // those partitions (on revocation).
  std::vector<PartitionOffset> Drop(const std::vector<TopicPartition>& partitions);

  // Records tracked and not yet completed, over all partitions.
  std::size_t in_flight() const { return in_flight_; }

  // A partition's progress, for its lag (processor/delivery/consume_loop_observability.cc).
  struct Progress {
    std::size_t in_flight = 0;
    std::int64_t oldest_pending_offset = -1;  // -1: nothing in flight
    std::int64_t oldest_pending_timestamp_ms = -1;
    std::int64_t last_tracked_timestamp_ms = -1;
  };
  Progress ProgressOf(const TopicPartition& tp) const;

 private:
  struct Slot {
    std::int64_t offset;
    std::int64_t timestamp_ms;
    bool done;
  };
  struct PartitionState {
    std::deque<Slot> window;        // tracked, oldest first; front is never done
    std::int64_t committable = -1;  // one past the completed prefix; -1 = nothing yet
    std::int64_t reported = -1;     // last committable handed out by Take/Drop
    std::int64_t last_tracked = -1;
    std::int64_t last_timestamp_ms = -1;
    std::size_t in_flight = 0;
  };

  std::map<TopicPartition, PartitionState> partitions_;
  std::size_t in_flight_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_OFFSET_TRACKER_H_
