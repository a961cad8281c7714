// ConsumeLoop: drives a Consumer. Polls batches, hands every record to a RecordHandler in offset
// order, tracks completion in an OffsetTracker and commits the completed prefix of each
// partition through an OffsetCommitter every `commit_interval`, on revocation and on shutdown.
//
// When a commit (or the handler) reports Aborted — a Kafka transaction that cannot commit — the
// loop aborts the work since the last commit and rewinds the consumer to the committed offsets,
// so that work is done again and becomes visible exactly once.
//
// Thread-safety: Run() occupies the calling thread; `stop` may be set from any thread (or a
// signal handler, it is a lock-free atomic).
#ifndef FANOUT_PROCESSOR_DELIVERY_CONSUME_LOOP_H_
#define FANOUT_PROCESSOR_DELIVERY_CONSUME_LOOP_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/delivery/offset_committer.h"
#include "processor/delivery/offset_tracker.h"
#include "processor/kafka/consumer.h"

namespace fanout {

class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // Processes one record. OK means its work is finished and its offset may be committed.
  // Aborted means the open transaction cannot commit: the loop aborts and rewinds. Any other
  // error stops the loop without committing this record (it will be read again).
  virtual Status Handle(const KafkaRecordView& record) = 0;
};

struct ConsumeLoopOptions {
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds poll_timeout{100};
  std::size_t max_batch = 1000;
  // Called about every `progress_interval` with the consumer's lag in records.
  std::chrono::milliseconds progress_interval{5000};
  std::function<void(std::int64_t lag_records)> on_progress;
};

class ConsumeLoop final : public RebalanceListener {
 public:
  ConsumeLoop(Consumer& consumer, RecordHandler& handler, OffsetCommitter& committer,
              ConsumeLoopOptions options);

  // Subscribes, then consumes until `stop` becomes true or an error occurs. Always commits what
  // is finished and leaves the group before returning. Returns the first error (handler, fatal
  // client, fatal commit), or OK after a requested stop.
  Status Run(const std::atomic<bool>& stop);

  void OnAssigned(const std::vector<TopicPartition>& partitions) override;
  void OnRevoked(const std::vector<TopicPartition>& partitions, bool lost) override;

  std::int64_t commits() const { return commits_; }
  std::int64_t aborts() const { return aborts_; }

 private:
  // Handles one batch; returns Aborted when the batch's work had to be thrown away.
  Status HandleBatch(const RecordBatch& batch);
  Status CommitCompleted();
  // Aborts the work since the last commit; the rewind happens in the loop (RewindNow).
  Status AbortWork(const Status& cause);
  Status RewindNow();

  Consumer& consumer_;
  RecordHandler& handler_;
  OffsetCommitter& committer_;
  ConsumeLoopOptions options_;
  OffsetTracker tracker_;
  // Records of partitions revoked in the middle of a poll may still sit in the batch; they
  // belong to the new owner and are skipped.
  std::set<TopicPartition> assigned_;
  bool rewind_pending_ = false;
  Status fatal_;  // a fatal error seen inside a rebalance callback
  std::int64_t commits_ = 0;
  std::int64_t aborts_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_CONSUME_LOOP_H_
