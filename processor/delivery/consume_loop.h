// ConsumeLoop: drives a Consumer. Polls batches, hands every record to a RecordHandler in offset
// order, tracks completion in an OffsetTracker and commits the completed prefix of each
// partition through an OffsetCommitter every `commit_interval`, on revocation and on shutdown.
// Records whose work finishes asynchronously (PendingWork) complete when it reports them; while
// too many are pending, partitions pause. Revocation and shutdown first drain pending work (up
// to `drain_timeout`), then commit.
//
// Each commit also names, per partition, the offset through which the records' synchronous Kafka
// outputs are committed (KafkaOutputMarks); records below it are handled again with
// RecordContext::kafka_outputs_committed, so that no output is produced twice.
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
#include <map>
#include <set>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/delivery/backpressure.h"
#include "processor/delivery/kafka_output_marks.h"
#include "processor/delivery/loop_observer.h"
#include "processor/delivery/offset_committer.h"
#include "processor/delivery/offset_tracker.h"
#include "processor/kafka/consumer.h"

namespace fanout {

// What became of a handled record.
enum class Handled : std::uint8_t {
  kFinished,  // its work is done: its offset may be committed
  kPending,   // its work goes on asynchronously; PendingWork::Collect reports when it is done
};

// What the loop knows of a record beyond its bytes.
struct RecordContext {
  // The record's synchronous Kafka outputs (Kafka-route records, dead letters written while
  // handling it) are already in a committed transaction: an earlier owner of the partition
  // handled the record and committed them before its offset (KafkaOutputMarks). The handler
  // produces none of them again and runs the record's asynchronous routes only.
  bool kafka_outputs_committed = false;
};

class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // Processes one record. Aborted means the open transaction cannot commit: the loop aborts and
  // rewinds. Any other error stops the loop without committing this record (it is read again).
  virtual Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& context) = 0;

  // State a handler keeps per partition in the commit metadata (commit_metadata.h), beside the
  // loop's own. Resume: the partition resumes at its committed offset (`committed`, with its
  // metadata), on assignment and after a rewind. AnnotateCommit: adds the handler's fields for
  // the partition just before `offset->offset`, which is about to be committed. Forget: the
  // partitions are no longer this handler's.
  virtual void Resume(const PartitionOffset& committed) { (void)committed; }
  virtual void AnnotateCommit(PartitionOffset* offset) { (void)offset; }
  virtual void Forget(const std::vector<TopicPartition>& partitions) { (void)partitions; }
};

// The asynchronous work handlers leave pending (sinks whose writes finish later). The loop
// collects what finished, bounds what is in flight (pausing partitions) and drains it on
// revocation and shutdown. All calls come from the loop's thread.
class PendingWork {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~PendingWork() = default;
  // Appends the records whose work is now done. Aborted: abort and rewind; other errors stop
  // the loop (records finished before the error are appended all the same).
  virtual Status Collect(Clock::time_point now, std::vector<PartitionOffset>* finished) = 0;
  // When Collect has something to do at the latest (a retry); max() when nothing is scheduled.
  virtual Clock::time_point NextDue() const = 0;
  // Blocks until some result arrives or `deadline`.
  virtual void WaitForResults(Clock::time_point deadline) = 0;
  // Forgets the pending records of `partitions` (null: all); they will be read again.
  virtual void Abandon(const std::vector<TopicPartition>* partitions) = 0;
  virtual std::size_t pending() const = 0;
  virtual std::size_t pending(const TopicPartition& tp) const = 0;
  // The bytes the records with work pending hold; 0 when not counted.
  virtual std::size_t pending_bytes() const { return 0; }
  // Partitions were just assigned, from the rebalance callback, before any of their records is
  // handled: sinks that store processed offsets read them (PartitionAssignmentListener).
  virtual void OnAssigned(const std::vector<TopicPartition>& partitions) { (void)partitions; }
  // Outputs held back until their record's offset commits (dead letters of asynchronous
  // failures: written any earlier, a crash before the offset commits would write them twice).
  // BeforeCommit writes those of records below `offsets` (into the transaction about to commit
  // them); errors as for Collect. DropHeldOutputs forgets those of `partitions` (null: all): the
  // records are read and done again.
  virtual Status BeforeCommit(const std::vector<PartitionOffset>& offsets) {
    (void)offsets;
    return Status();
  }
  virtual void DropHeldOutputs(const std::vector<TopicPartition>* partitions) { (void)partitions; }
};

struct ConsumeLoopOptions {
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds poll_timeout{100};
  std::size_t max_batch = 1000;
  // Called about every `progress_interval` with the consumer's lag in records.
  std::chrono::milliseconds progress_interval{5000};
  std::function<void(std::int64_t lag_records)> on_progress;
  // Asynchronous work of the handler; null when every record finishes inside Handle().
  PendingWork* pending_work = nullptr;
  // Bounds on records with pending work; over them partitions pause (see Backpressure).
  std::size_t max_in_flight = 10000;
  std::size_t max_in_flight_per_partition = 5000;
  std::size_t max_in_flight_bytes = std::size_t{32} << 20;  // PendingWork::pending_bytes()
  // How long revocation and shutdown wait for pending work before abandoning it.
  std::chrono::milliseconds drain_timeout{10000};
  // Observability (optional, not owned, must outlive the loop): what the loop reports for
  // metrics and health (/healthz, /readyz). Progress and lag are published every `lag_interval`.
  ConsumeLoopObserver* observer = nullptr;
  std::chrono::milliseconds lag_interval{1000};
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
  // Completes the records whose pending work finished.
  Status CollectPending();
  // Waits (until `deadline`) for the pending work of `partitions` (null: all) and collects it.
  Status Drain(const std::vector<TopicPartition>* partitions,
               PendingWork::Clock::time_point deadline);
  std::size_t PendingOf(const std::vector<TopicPartition>* partitions) const;
  Status ApplyBackpressure();
  std::chrono::milliseconds PollTimeout() const;
  Status CommitCompleted();
  // Aborts the work since the last commit; the rewind happens in the loop (RewindNow).
  Status AbortWork(const Status& cause);
  Status RewindNow();
  // Forgets the per-partition state of revoked or lost partitions.
  void ForgetPartitions(const std::vector<TopicPartition>& partitions);
  // Observability (consume_loop_observability.cc); each does nothing without an observer.
  void PublishProgress();
  void ObserveCommit(const Status& status);
  void ObserveRebalance(const std::vector<TopicPartition>& partitions, bool assigned, bool lost);

  Consumer& consumer_;
  RecordHandler& handler_;
  OffsetCommitter& committer_;
  ConsumeLoopOptions options_;
  OffsetTracker tracker_;
  KafkaOutputMarks marks_;
  // What each assigned partition last committed (offset and metadata), to resume from after a
  // rewind.
  std::map<TopicPartition, PartitionOffset> committed_;
  Backpressure backpressure_;
  std::vector<PartitionOffset> finished_;  // reused by CollectPending
  // Records of partitions revoked in the middle of a poll may still sit in the batch; they
  // belong to the new owner and are skipped.
  std::set<TopicPartition> assigned_;
  bool rewind_pending_ = false;
  bool closing_after_error_ = false;
  Status fatal_;  // a fatal error seen inside a rebalance callback
  std::int64_t commits_ = 0;
  std::int64_t aborts_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_CONSUME_LOOP_H_
