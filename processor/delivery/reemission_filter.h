// ReemissionFilter: recognises the changes Debezium emits a second time.
//
// After Kafka Connect dies, Debezium resumes from its last flushed offset and emits the changes
// since then again, with the same source positions but at new Kafka offsets. The idempotent
// sinks absorb them (version guards, external versions); a Kafka or HTTP route would deliver them
// twice. Within one partition, Debezium writes changes in commit order, so their source positions
// never go down: a change whose position is below the highest position the partition has seen
// before it is a re-emission, and so is one at that position whose identity (op and Kafka key)
// was already seen at it. A change's identity is its op, Kafka key and table; they are kept
// because distinct changes may share a position: the delete and the create of a primary-key
// change, and the truncates of a multi-table TRUNCATE (whose keys are null).
//
// What the filter never judges (never a re-emission, and never raising the highest position):
// snapshot rows (they all share the snapshot's position, and a transaction open at the snapshot
// streams afterwards with lower ones), changes without a commit-ordered position (Kafka offset
// fallback; PostgreSQL changes without sequence[0], i.e. no last commit LSN), and positions of
// another kind than the partition's highest. Above kMaxSeen identities at one position (more
// than a primary-key change or a TRUNCATE makes), equal positions are taken as new changes: a
// possible duplicate, never a loss.
//
// The state survives a change of owner in the committed offset's metadata
// (processor/delivery/commit_metadata.h): Describe() gives the state just before the offset
// being committed, Resume() takes it back.
//
// Thread-safety: not thread-safe; the consume loop's thread only.
#ifndef FANOUT_PROCESSOR_DELIVERY_REEMISSION_FILTER_H_
#define FANOUT_PROCESSOR_DELIVERY_REEMISSION_FILTER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/source_position.h"

namespace fanout {

class ReemissionFilter {
 public:
  static constexpr std::size_t kMaxSeen = 8;

  // `tp` resumes at a committed offset whose metadata is `metadata` (empty: from scratch).
  void Resume(const TopicPartition& tp, std::string_view metadata);
  void Forget(const std::vector<TopicPartition>& partitions);

  // Judges the change at `offset` of `tp`; offsets of a partition come in increasing order
  // (after a Resume, from the resumed offset on). `snapshot`: a snapshot row (op r).
  bool IsReemission(std::string_view topic, std::int32_t partition, std::int64_t offset,
                    const SourcePosition& position, char op, bool snapshot,
                    std::optional<std::string_view> key, std::string_view table = {});

  // Adds to `metadata` the fields that describe `tp` just before `offset`, which is about to be
  // committed, and forgets what came before it.
  void Describe(const TopicPartition& tp, std::int64_t offset, std::string* metadata);

 private:
  struct State {
    SourcePosition max;  // kind kNone: nothing judged yet
    std::array<std::uint64_t, kMaxSeen> seen{};
    std::uint8_t seen_count = 0;
    bool overflow = false;  // more identities at `max` than kMaxSeen
  };
  struct Entry {
    std::int64_t offset;
    State after;  // the state once this offset was judged
  };
  struct Partition {
    State base;                 // before the first entry of `history`
    std::deque<Entry> history;  // the offsets that changed the state, not yet committed past
    State current;
  };

  static void Encode(const State& state, std::string* metadata);
  static State Decode(std::string_view metadata);

  // The state of a partition, created on first use; the last one is cached (a batch holds runs
  // of one partition) so that a record costs no TopicPartition copy.
  Partition& PartitionOf(std::string_view topic, std::int32_t partition);

  std::map<TopicPartition, Partition> partitions_;
  const TopicPartition* last_tp_ = nullptr;
  Partition* last_partition_ = nullptr;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_REEMISSION_FILTER_H_
