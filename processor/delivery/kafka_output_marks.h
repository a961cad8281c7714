// KafkaOutputMarks: per partition, the offset below which the records' synchronous Kafka outputs
// are already committed — so that whoever resumes a partition produces none of them twice.
//
// Why: a transaction often commits the Kafka outputs of records above the offset it commits
// (their asynchronous routes finish later); without this, the next owner would produce them
// again (docs/GUARANTEES.md, "Mixed routes: Kafka outputs never doubled").
//
// How: every commit carries, in the committed offset's metadata (`send_offsets_to_transaction`
// and group commits carry a string per partition), "through N": every record below N has its
// synchronous outputs in this or an earlier committed transaction. A record handled since the
// last commit has produced its outputs into the transaction being committed, so N is one past
// the last handled record. Whoever resumes the partition (a restart, another instance after a
// rebalance, this instance after an abort) reads N with the committed offset and re-runs records
// below N for their asynchronous routes only, which are idempotent (version guards, processed
// offsets, idempotency keys). Metadata is left empty when N is not above the offset itself.
//
// Thread-safety: not thread-safe; owned by the consume loop's thread.
#ifndef FANOUT_PROCESSOR_DELIVERY_KAFKA_OUTPUT_MARKS_H_
#define FANOUT_PROCESSOR_DELIVERY_KAFKA_OUTPUT_MARKS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/kafka_record.h"

namespace fanout {

class KafkaOutputMarks {
 public:
  // Commit metadata (processor/delivery/commit_metadata.h) with the one field naming `through`,
  // and back; Decode gives -1 for metadata without the field.
  static std::string Encode(std::int64_t through);
  static std::int64_t Decode(std::string_view metadata);

  // A partition was assigned; `committed` is its committed offset (-1: none) and metadata.
  void Assigned(const PartitionOffset& committed);
  // The partitions are no longer ours.
  void Forget(const std::vector<TopicPartition>& partitions);
  // The open transaction was aborted: what was handled since the last commit is void.
  void Aborted();

  // Whether the synchronous outputs of `offset` of `tp` are already committed.
  bool OutputsCommitted(const TopicPartition& tp, std::int64_t offset);
  // `offset` of `tp` was handled: its synchronous outputs are in the open transaction.
  void Handled(const TopicPartition& tp, std::int64_t offset);

  // Sets the metadata of `offsets`, which are about to be committed, to the mark (or to nothing
  // when the mark is not above the offset), and appends the partitions whose mark moved while
  // their offset did not, at `position(tp)` (the offset to commit for them; -1 when there is
  // none, and then they are left out). Other fields may be added to the metadata afterwards.
  void Annotate(std::vector<PartitionOffset>* offsets,
                const std::function<std::int64_t(const TopicPartition&)>& position) const;
  // `offsets` (as annotated) are committed.
  void Committed(const std::vector<PartitionOffset>& offsets);

 private:
  struct Mark {
    std::int64_t committed = -1;  // the committed "through" (or offset, if higher)
    std::int64_t handled = -1;    // one past the last record handled since the last commit
    std::int64_t through() const { return committed > handled ? committed : handled; }
  };
  Mark& MarkOf(const TopicPartition& tp);

  std::map<TopicPartition, Mark> marks_;
  Mark* last_mark_ = nullptr;  // MarkOf's cache: a batch holds runs of one partition
  const TopicPartition* last_tp_ = nullptr;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_KAFKA_OUTPUT_MARKS_H_
