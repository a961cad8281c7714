#include "processor/delivery/consume_loop.h"

#include <spdlog/spdlog.h>

#include <string>

namespace fanout {

using Clock = std::chrono::steady_clock;

ConsumeLoop::ConsumeLoop(Consumer& consumer, RecordHandler& handler, OffsetCommitter& committer,
                         ConsumeLoopOptions options)
    : consumer_(consumer), handler_(handler), committer_(committer), options_(std::move(options)) {}

Status ConsumeLoop::Run(const std::atomic<bool>& stop) {
  FANOUT_RETURN_IF_ERROR(consumer_.Subscribe(this));
  Status result;
  bool handler_failed = false;  // in the middle of an event, not between two
  auto next_commit = Clock::now() + options_.commit_interval;
  auto next_progress = Clock::now() + options_.progress_interval;
  while (!stop.load(std::memory_order_relaxed)) {
    auto batch = consumer_.Poll(options_.poll_timeout, options_.max_batch);
    if (!fatal_.ok()) {
      result = fatal_;
      break;
    }
    if (!batch.ok()) {
      result = batch.status();
      break;
    }
    if (rewind_pending_) {
      result = RewindNow();  // the batch predates the rewind: drop it
      if (!result.ok()) break;
      continue;
    }
    result = HandleBatch(**batch);
    if (result.code() == StatusCode::kAborted) {
      result = AbortWork(result);
    } else if (!result.ok()) {
      handler_failed = true;
    }
    if (result.ok() && rewind_pending_) result = RewindNow();
    if (!result.ok()) break;
    auto now = Clock::now();
    if (now >= next_commit) {
      result = CommitCompleted();
      if (result.ok() && rewind_pending_) result = RewindNow();
      if (!result.ok()) break;
      next_commit = now + options_.commit_interval;
    }
    if (options_.on_progress && now >= next_progress) {
      options_.on_progress(consumer_.LagRecords());
      next_progress = now + options_.progress_interval;
    }
  }
  // Finished work is committed whatever stopped the loop; unfinished work is read again later.
  // After a failure in the middle of an event a transaction is aborted instead (see
  // OffsetCommitter::CommitsAfterHandlerFailure).
  if (handler_failed && !committer_.CommitsAfterHandlerFailure()) {
    (void)committer_.Abort();
  } else if (!rewind_pending_) {
    Status commit = CommitCompleted();
    if (result.ok()) result = commit;
  }
  Status close = consumer_.Close();
  if (result.ok()) result = close;
  return result;
}

Status ConsumeLoop::HandleBatch(const RecordBatch& batch) {
  // One TopicPartition for the whole batch: assign() reuses the string's capacity, so
  // Debezium's long topic names do not cost an allocation per record.
  TopicPartition tp;
  for (const KafkaRecordView& record : batch.records()) {
    tp.topic.assign(record.topic);
    tp.partition = record.partition;
    if (!assigned_.contains(tp)) continue;
    FANOUT_RETURN_IF_ERROR(tracker_.Track(tp, record.offset));
    FANOUT_RETURN_IF_ERROR(handler_.Handle(record));
    FANOUT_RETURN_IF_ERROR(tracker_.Complete(tp, record.offset));
  }
  return Status();
}

Status ConsumeLoop::CommitCompleted() {
  std::vector<PartitionOffset> offsets = tracker_.TakeCommittable();
  if (offsets.empty()) return Status();
  Status status = committer_.Commit(offsets);
  if (status.ok()) {
    ++commits_;
    for (const PartitionOffset& po : offsets) {
      spdlog::debug("committed {} at offset {}", ToString(po.tp), po.offset);
    }
    return status;
  }
  switch (status.code()) {
    case StatusCode::kAborted:
      return AbortWork(status);  // the loop rewinds after the poll (never inside a callback)
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnavailable:
      // The partitions moved to another member, or the coordinator is away: the new owner
      // re-reads from the last commit, which only repeats finished work; never a loss.
      spdlog::warn("commit skipped: {}", status.ToString());
      return Status();
    default:
      return status;
  }
}

Status ConsumeLoop::AbortWork(const Status& cause) {
  ++aborts_;
  spdlog::warn("aborting the work since the last commit ({}); it will be done again",
               cause.ToString());
  Status abort = committer_.Abort();
  if (!abort.ok()) return Internal("abort failed: " + abort.ToString());
  tracker_ = OffsetTracker();
  rewind_pending_ = true;
  return Status();
}

Status ConsumeLoop::RewindNow() {
  rewind_pending_ = false;
  tracker_ = OffsetTracker();
  return consumer_.RewindToCommitted();
}

void ConsumeLoop::OnAssigned(const std::vector<TopicPartition>& partitions) {
  assigned_.insert(partitions.begin(), partitions.end());
}

void ConsumeLoop::OnRevoked(const std::vector<TopicPartition>& partitions, bool lost) {
  if (lost) {
    // Another member owns them already: their work cannot commit, and in a transaction it is
    // bundled with the other partitions' work, so all of it is done again.
    for (const TopicPartition& tp : partitions) assigned_.erase(tp);
    Status status = AbortWork(Unavailable("partitions lost"));
    if (!status.ok()) fatal_ = status;
    return;
  }
  // Finish what we own before giving it up: commit everything completed (a transaction covers
  // all partitions at once), then forget the revoked partitions.
  Status status = CommitCompleted();
  if (!status.ok()) {
    spdlog::error("commit on revocation failed: {}", status.ToString());
    if (status.code() == StatusCode::kInternal) fatal_ = status;
  }
  for (const TopicPartition& tp : partitions) assigned_.erase(tp);
  (void)tracker_.Drop(partitions);
}

}  // namespace fanout
