// SinkDispatcher: carries the actions of asynchronous sinks (processor/sink/sink.h) from the
// consume loop to the sinks and their outcomes back, keeping the delivery rules of
// docs/ARCHITECTURE.md (#guarantees, #failure-handling):
//
//   Ordering   Each sink has `max_concurrency()` lanes; an action goes to the lane its record's
//              key hashes to, and a lane has at most one batch in flight. Same key: in order.
//              Different keys: in parallel, batched up to the sink's `max_batch()`. A sink whose
//              capabilities() say lane_by kPartition gets lanes by topic partition instead: a
//              partition's actions in offset order, one batch at a time -- or, for a sink with
//              max_batches_per_lane above 1 (postgres), further FULL batches while one is in
//              flight, through its ChainedWriter: the sink keeps their order and fails the later
//              ones, untried, with an earlier one; requeued actions wait until the lane is idle.
//   Retry      kRetry waits the route's jittered backoff (at least the server's Retry-After) and
//              counts towards its max_attempts / max_elapsed; once exhausted the route's
//              `on_exhausted` applies: dead_letter, fail (stop fanout), or block (never
//              exhausts). kUnavailable (the server is down) backs off the lane with the same
//              jittered backoff (JitteredBackoff), without counting: a sink that is down is not a
//              reason to dead-letter.
//   Failure    kBadRecord → the record is dead-lettered for that route; kFatal → fanout stops.
//              kRefused → the sink is probed without any record (Sink::Probe, at most once a
//              second): accepted → the record is dead-lettered (class `refused`); unreachable →
//              the action waits like kUnavailable; refused too → fanout stops.
//   Completion A record is finished when every one of its actions is applied, already applied
//              or dead-lettered; Collect() reports it, after writing its dead letters.
//
// Within one batch, an action that must be retried goes back to the head of its lane, while a
// later action of the same batch may already have been applied: versioned sinks (Elasticsearch,
// guarded Redis/Postgres writes) then ignore the stale retry; plain sinks see that order.
//
// Thread-safety: every method runs on the consume loop's thread, except that sinks' callbacks
// (on their I/O threads) only append to a locked completion queue and call `wake`.
// REQUIRES: the sinks outlive the dispatcher and are closed (no callback pending) before it is
// destroyed.
#ifndef FANOUT_PROCESSOR_DELIVERY_SINK_DISPATCHER_H_
#define FANOUT_PROCESSOR_DELIVERY_SINK_DISPATCHER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/core/thread_annotations.h"
#include "processor/delivery/dead_letter.h"
#include "processor/delivery/dispatch_observer.h"
#include "processor/delivery/retry_policy.h"
#include "processor/sink/sink.h"

namespace fanout {

// A route as the dispatcher needs it. Owned by the caller; must outlive the dispatcher.
struct DispatchRoute {
  std::string name;
  std::string sink_name;
  std::size_t sink_index = 0;  // into the dispatcher's sinks
  RetryPolicy retry;
  RouteObserver* observer = nullptr;  // not owned; null: not observed
};

// One action of the record being dispatched.
struct NewAction {
  const DispatchRoute* route = nullptr;
  std::unique_ptr<SinkAction> action;
};

// Where a dispatched record comes from, as the consume loop tracks it.
struct DispatchOrigin {
  // What completes in the consume loop: the record's own coordinates when unset, or during
  // `fanout dlq replay` the dead letter's.
  std::optional<PartitionOffset> tracked;
  // Attempts made before this one (a replayed dead letter's), and when the first one failed
  // (wall clock ms, 0 when none did): a new dead letter carries them forward.
  int previous_attempts = 0;
  std::int64_t first_failure_ms = 0;
  // When the change happened in the source (Debezium ts_ms; 0 when unknown): the start of the
  // end-to-end latency.
  std::int64_t source_ts_ms = 0;
};

// Writes one dead letter of `record`, whose completion the loop tracks as `tracked_offset` of
// `tracked` (the record's own coordinates, or during a replay the dead letter's). Errors: Aborted
// (the transaction is void) or anything else, which is fatal.
using DeadLetterWriter =
    std::function<Status(const KafkaRecordView& record, const DeadLetterContext& context,
                         const TopicPartition& tracked, std::int64_t tracked_offset)>;

class SinkDispatcher {
 public:
  using Clock = std::chrono::steady_clock;

  // `sinks` are not owned. `wake` is called from sink threads when a result arrives (it
  // interrupts the consume loop's poll); it must be thread-safe and cheap.
  SinkDispatcher(std::vector<Sink*> sinks, std::function<void()> wake);
  ~SinkDispatcher();
  SinkDispatcher(const SinkDispatcher&) = delete;
  SinkDispatcher& operator=(const SinkDispatcher&) = delete;

  // Takes the actions of `record` (at least one; `actions` is left empty). The record's bytes
  // are copied: the record may go away when this returns. Sends what it can at once.
  void Dispatch(const KafkaRecordView& record, const DispatchOrigin& origin,
                std::vector<NewAction>& actions);

  // Processes the results that arrived and the retries that are due: writes dead letters
  // through `dead_letters` and appends each record whose actions are all done to `finished`.
  // Errors: Aborted from the dead-letter writer (abort and rewind); Internal for a fatal sink
  // outcome, a route whose retries ran out with `on_exhausted: fail`, or an unwritable
  // dead-letter queue.
  Status Collect(Clock::time_point now, const DeadLetterWriter& dead_letters,
                 std::vector<PartitionOffset>* finished) EXCLUDES(mutex_);

  // When Collect() has something to do at the latest: the earliest due retry; max() if none.
  Clock::time_point NextDue() const;

  // Blocks until a result arrives or `deadline` passes.
  void WaitForResults(Clock::time_point deadline) EXCLUDES(mutex_);

  // Forgets the pending records of `partitions` (all partitions when null): their queued
  // actions are dropped and results still on their way are ignored. Actions already sent may
  // still take effect; the records are read again and redone (at-least-once sinks repeat them).
  void Abandon(const std::vector<TopicPartition>* partitions = nullptr);

  // Records with actions not yet done: in total and per partition.
  std::size_t pending() const { return pending_; }
  std::size_t pending(const TopicPartition& tp) const;
  // The bytes those records hold (their copies and bookkeeping).
  std::size_t pending_bytes() const { return pending_bytes_; }

  // Tells every sink that listens (SinkCapabilities::assignment_listener) that `partitions` were
  // assigned; a sink's error is logged and otherwise ignored (the hook is an optimisation, never
  // needed for correctness).
  void OnPartitionsAssigned(const std::vector<TopicPartition>& partitions);

  // Whether a sink answered kUnavailable last and has not succeeded since (for readiness).
  bool AnySinkUnavailable() const;

  // Reports each sink's request latency and availability to `observers` (parallel to the sinks,
  // not owned; a null or missing entry: not observed). Call before the first Dispatch().
  void SetObservers(std::vector<SinkObserver*> observers);

 private:
  struct PartitionState {
    const TopicPartition* tp = nullptr;  // its key in partitions_
    std::uint64_t epoch = 0;             // bumped by Abandon: older records' results are ignored
    std::size_t pending = 0;
    std::size_t pending_bytes = 0;
  };
  struct PendingRecord;
  struct QueuedAction;
  struct Lane;
  struct SinkLanes;
  struct InFlight;
  struct Completion;
  struct Answers;

  // The state of (topic, partition), created on first use. Never erased, so pointers to it stay
  // valid.
  PartitionState& PartitionOf(std::string_view topic, std::int32_t partition);
  // The one copy of a topic name that pending records point to.
  const std::string* InternTopic(std::string_view topic);
  static bool CanSend(const SinkLanes& lanes, const Lane& lane);
  void SendIfReady(std::size_t sink, std::size_t lane, Clock::time_point now);
  void SendBatch(std::size_t sink, std::size_t lane);
  // One action is done; the record finishes with its last action.
  void Finish(QueuedAction& item, std::vector<PartitionOffset>* finished);
  bool Current(const QueuedAction& item) const;
  // The answers of one batch: each action's outcome goes to its handler, then the lane is backed
  // off and the actions to try again requeued. Errors as for Collect().
  Status ProcessCompletion(Completion& completion, Clock::time_point now,
                           const DeadLetterWriter& dead_letters,
                           std::vector<PartitionOffset>* finished);
  Status OnAnswer(Answers& answers, QueuedAction& item, const ActionResult& result);
  void OnDone(Answers& answers, QueuedAction& item, const ActionResult& result);
  void OnUnavailable(Answers& answers, QueuedAction& item, const ActionResult& result);
  Status OnRetry(Answers& answers, QueuedAction& item, const ActionResult& result);
  Status OnBadRecord(Answers& answers, QueuedAction& item, const ActionResult& result);
  Status OnRefused(Answers& answers, QueuedAction& item, const ActionResult& result);
  // The sink is down: the lane's own backoff (the route's jittered backoff, by the lane's
  // streak of kUnavailable answers), and the sink reported unavailable.
  void BackOffUnavailable(Answers& answers, const RetryPolicy& policy);
  // Puts the actions to try again back at the head of their lane, in dispatch order.
  static void Requeue(Answers& answers);
  // After a kRefused: true when the sink as a whole is accepted (the refusal was the record's),
  // false when it cannot be reached; Internal when it is refused too (fatal).
  Result<bool> ProbeAfterRefusal(SinkLanes& lanes, std::string_view sink_name,
                                 std::string_view refusal);
  Status DeadLetter(QueuedAction& item, std::string_view error_class, std::string_view message,
                    const DeadLetterWriter& dead_letters);
  static void SetAvailable(SinkLanes& lanes, bool available);
  static void CountOutcome(const DispatchRoute& route, ActionOutcome outcome,
                           const ChangeTimes& times);

  std::vector<std::unique_ptr<SinkLanes>> sinks_;
  std::function<void()> wake_;
  std::map<TopicPartition, PartitionState> partitions_;
  PartitionState* last_partition_ = nullptr;  // PartitionOf's cache
  std::set<std::string, std::less<>> topics_;
  const std::string* last_topic_ = nullptr;  // InternTopic's cache
  std::size_t pending_ = 0;
  std::size_t pending_bytes_ = 0;
  std::mt19937_64 random_;
  std::uint64_t next_seq_ = 0;  // QueuedAction::seq

  // Sinks' callbacks, on their own threads, hand results over through completions_.
  mutable Mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Completion> completions_ GUARDED_BY(mutex_);
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_SINK_DISPATCHER_H_
