// OffsetCommitter: how the consume loop makes progress durable, by delivery guarantee.
//
//   GroupOffsetCommitter          — consumer-group commits only (no Kafka output).
//   TransactionalOffsetCommitter  — exactly once: what the handler produced since the last
//                                   commit (Kafka sink records, dead letters) and the offsets
//                                   commit in one Kafka transaction.
//   AtLeastOnceOffsetCommitter    — waits until everything produced is acknowledged, then commits
//                                   the offsets; a crash in between repeats work, never loses it.
//
// Errors from Commit: Aborted — the work since the last commit is void; the loop calls Abort()
// and rewinds the consumer to the committed offsets. FailedPrecondition — the group moved on (a
// rebalance took the partitions); nothing to do. Anything else stops the loop.
// Thread-safety: the consume loop's thread only.
#ifndef FANOUT_PROCESSOR_DELIVERY_OFFSET_COMMITTER_H_
#define FANOUT_PROCESSOR_DELIVERY_OFFSET_COMMITTER_H_

#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/kafka/consumer.h"
#include "processor/kafka/producer.h"

namespace fanout {

class OffsetCommitter {
 public:
  virtual ~OffsetCommitter() = default;
  virtual Status Commit(const std::vector<PartitionOffset>& offsets) = 0;
  // Discards the work since the last commit and gets ready for new work. An error is fatal.
  virtual Status Abort() = 0;
  // Whether the finished prefix may still be committed after a handler failed in the middle of
  // an event. Not inside a transaction: it may hold part of that event's output, which would
  // then become visible and be produced again when the event is retried.
  virtual bool CommitsAfterHandlerFailure() const { return true; }
};

class GroupOffsetCommitter final : public OffsetCommitter {
 public:
  explicit GroupOffsetCommitter(Consumer& consumer) : consumer_(consumer) {}
  Status Commit(const std::vector<PartitionOffset>& offsets) override;
  Status Abort() override { return Status(); }

 private:
  Consumer& consumer_;
};

// REQUIRES: `producer` is transactional and has a transaction open.
class TransactionalOffsetCommitter final : public OffsetCommitter {
 public:
  explicit TransactionalOffsetCommitter(Producer& producer) : producer_(producer) {}
  Status Commit(const std::vector<PartitionOffset>& offsets) override;
  Status Abort() override;
  bool CommitsAfterHandlerFailure() const override { return false; }

 private:
  Producer& producer_;
};

class AtLeastOnceOffsetCommitter final : public OffsetCommitter {
 public:
  AtLeastOnceOffsetCommitter(Producer& producer, Consumer& consumer)
      : producer_(producer), consumer_(consumer) {}
  Status Commit(const std::vector<PartitionOffset>& offsets) override;
  Status Abort() override { return producer_.Abort(); }

 private:
  Producer& producer_;
  Consumer& consumer_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_OFFSET_COMMITTER_H_
