#include "processor/delivery/consume_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <thread>

namespace fanout {

using Clock = std::chrono::steady_clock;

ConsumeLoop::ConsumeLoop(Consumer& consumer, RecordHandler& handler, OffsetCommitter& committer,
                         ConsumeLoopOptions options)
    : consumer_(consumer),
      handler_(handler),
      committer_(committer),
      options_(std::move(options)),
      backpressure_(options_.max_in_flight, options_.max_in_flight_per_partition,
                    options_.max_in_flight_bytes) {}

Status ConsumeLoop::Run(const std::atomic<bool>& stop) {
  FANOUT_RETURN_IF_ERROR(consumer_.Subscribe(this));
  if (options_.observer != nullptr) options_.observer->OnStarted();
  Status result;
  bool handler_failed = false;  // in the middle of an event, not between two
  auto next_commit = Clock::now() + options_.commit_interval;
  auto next_progress = Clock::now() + options_.progress_interval;
  auto next_lag = Clock::now();
  while (!stop.load(std::memory_order_relaxed)) {
    auto batch = consumer_.Poll(PollTimeout(), options_.max_batch);
    if (options_.observer != nullptr) options_.observer->OnTurn(Clock::now());
    if (!fatal_.ok()) {
      // Raised inside a rebalance callback, possibly halfway through a revocation: the open
      // transaction may hold output of partitions that are gone, so it is aborted, not committed.
      result = fatal_;
      handler_failed = true;
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
    if (result.ok()) result = CollectPending();
    if (result.code() == StatusCode::kAborted) {
      result = AbortWork(result);
    } else if (!result.ok()) {
      handler_failed = true;
    }
    if (result.ok() && !rewind_pending_) result = ApplyBackpressure();
    if (result.ok() && rewind_pending_) result = RewindNow();
    if (!result.ok()) break;
    auto now = Clock::now();
    if (now >= next_commit) {
      result = CommitCompleted();
      if (result.ok() && rewind_pending_) result = RewindNow();
      if (!result.ok()) break;
      next_commit = now + options_.commit_interval;
    }
    if (now >= next_lag) {
      PublishProgress();
      next_lag = now + options_.lag_interval;
    }
    if (options_.on_progress && now >= next_progress) {
      options_.on_progress(consumer_.LagRecords());
      next_progress = now + options_.progress_interval;
    }
  }
  if (options_.observer != nullptr) options_.observer->OnStopping();
  // A requested stop lets pending work finish (bounded) so that it can be committed now rather
  // than redone by the next owner.
  if (result.ok() && !rewind_pending_ && options_.pending_work != nullptr) {
    result = Drain(nullptr, Clock::now() + options_.drain_timeout);
    if (result.code() == StatusCode::kAborted) {
      result = AbortWork(result);
    } else if (!result.ok()) {
      handler_failed = true;
    }
  }
  if (options_.pending_work != nullptr) options_.pending_work->Abandon(nullptr);
  // Finished work is committed whatever stopped the loop; unfinished work is read again later.
  // After a failure in the middle of an event a transaction is aborted instead (see
  // OffsetCommitter::CommitsAfterHandlerFailure).
  if (handler_failed && !committer_.CommitsAfterHandlerFailure()) {
    (void)committer_.Abort();
  } else if (!rewind_pending_) {
    Status commit = CommitCompleted();
    if (result.ok()) result = commit;
  }
  // The final revocation while leaving: after an error there is nothing left to finish or
  // abort there (and no point in saying the work will be redone twice).
  closing_after_error_ = !result.ok();
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
    FANOUT_RETURN_IF_ERROR(tracker_.Track(tp, record.offset, record.timestamp_ms));
    if (options_.observer != nullptr) options_.observer->OnConsumed();
    const RecordContext context{marks_.OutputsCommitted(tp, record.offset)};
    Result<Handled> handled = handler_.Handle(record, context);
    if (!handled.ok()) return handled.status();
    marks_.Handled(tp, record.offset);
    if (*handled == Handled::kFinished) {
      FANOUT_RETURN_IF_ERROR(tracker_.Complete(tp, record.offset));
    }
  }
  return Status();
}

Status ConsumeLoop::CollectPending() {
  PendingWork* work = options_.pending_work;
  if (work == nullptr) return Status();
  finished_.clear();
  Status status = work->Collect(Clock::now(), &finished_);
  for (const PartitionOffset& po : finished_) {
    // NotFound: the partition was revoked meanwhile; its new owner redoes the record.
    (void)tracker_.Complete(po.tp, po.offset);
  }
  return status;
}

std::size_t ConsumeLoop::PendingOf(const std::vector<TopicPartition>* partitions) const {
  const PendingWork* work = options_.pending_work;
  if (work == nullptr) return 0;
  if (partitions == nullptr) return work->pending();
  std::size_t n = 0;
  for (const TopicPartition& tp : *partitions) n += work->pending(tp);
  return n;
}

Status ConsumeLoop::Drain(const std::vector<TopicPartition>* partitions,
                          PendingWork::Clock::time_point deadline) {
  PendingWork* work = options_.pending_work;
  if (work == nullptr) return Status();
  if (PendingOf(partitions) > 0) {
    spdlog::info("waiting up to {} ms for {} records in flight", options_.drain_timeout.count(),
                 PendingOf(partitions));
  }
  while (PendingOf(partitions) > 0 && Clock::now() < deadline) {
    work->WaitForResults(std::min(deadline, work->NextDue()));
    FANOUT_RETURN_IF_ERROR(CollectPending());
  }
  if (const std::size_t left = PendingOf(partitions); left > 0) {
    spdlog::warn("{} records still in flight after {} ms; they will be read and done again", left,
                 options_.drain_timeout.count());
  }
  return Status();
}

Status ConsumeLoop::ApplyBackpressure() {
  PendingWork* work = options_.pending_work;
  if (work == nullptr) return Status();
  Backpressure::Decision decision =
      backpressure_.Update(assigned_, work->pending(), work->pending_bytes(),
                           [work](const TopicPartition& tp) { return work->pending(tp); });
  if (!decision.pause.empty()) {
    spdlog::debug("pausing {} partitions: {} records ({} bytes) in flight", decision.pause.size(),
                  work->pending(), work->pending_bytes());
    FANOUT_RETURN_IF_ERROR(consumer_.Pause(decision.pause));
  }
  if (!decision.resume.empty()) FANOUT_RETURN_IF_ERROR(consumer_.Resume(decision.resume));
  return Status();
}

std::chrono::milliseconds ConsumeLoop::PollTimeout() const {
  const PendingWork* work = options_.pending_work;
  if (work == nullptr) return options_.poll_timeout;
  // Results wake the poll (Consumer::Wake); a retry coming due does not, so cap the wait.
  const auto due = work->NextDue();
  const auto now = Clock::now();
  if (due >= now + options_.poll_timeout) return options_.poll_timeout;
  if (due <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(due - now);
}

Status ConsumeLoop::CommitCompleted() {
  std::vector<PartitionOffset> offsets = tracker_.TakeCommittable();
  marks_.Annotate(&offsets,
                  [this](const TopicPartition& tp) { return tracker_.CommitPosition(tp); });
  if (offsets.empty()) return Status();
  for (PartitionOffset& po : offsets) handler_.AnnotateCommit(&po);
  Status status;
  if (options_.pending_work != nullptr) status = options_.pending_work->BeforeCommit(offsets);
  if (status.ok()) status = committer_.Commit(offsets);
  if (status.ok()) {
    marks_.Committed(offsets);
    for (const PartitionOffset& po : offsets) {
      if (assigned_.contains(po.tp)) committed_[po.tp] = po;
    }
  }
  ObserveCommit(status);
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
  if (options_.observer != nullptr) options_.observer->OnAborted();
  spdlog::warn("aborting the work since the last commit ({}); it will be done again",
               cause.ToString());
  Status abort = committer_.Abort();
  if (!abort.ok()) return Internal("abort failed: " + abort.ToString());
  // Everything since the last commit is read again: pending work included.
  if (options_.pending_work != nullptr) {
    options_.pending_work->Abandon(nullptr);
    options_.pending_work->DropHeldOutputs(nullptr);
  }
  marks_.Aborted();
  tracker_ = OffsetTracker();
  rewind_pending_ = true;
  return Status();
}

Status ConsumeLoop::RewindNow() {
  rewind_pending_ = false;
  tracker_ = OffsetTracker();
  FANOUT_RETURN_IF_ERROR(consumer_.RewindToCommitted());
  for (const TopicPartition& tp : assigned_) {
    auto it = committed_.find(tp);
    handler_.Resume(it != committed_.end() ? it->second : PartitionOffset{tp, -1, {}});
  }
  return Status();
}

void ConsumeLoop::OnAssigned(const std::vector<TopicPartition>& partitions) {
  assigned_.insert(partitions.begin(), partitions.end());
  // Where the partitions' Kafka outputs stand, from the commits of whoever had them before.
  Result<std::vector<PartitionOffset>> committed = consumer_.Committed(partitions);
  for (int attempt = 1; !committed.ok() && attempt < 3; ++attempt) {
    spdlog::warn("reading the committed offsets failed ({}); trying again",
                 committed.status().ToString());
    std::this_thread::sleep_for(std::chrono::seconds(1));  // e.g. the coordinator is moving
    committed = consumer_.Committed(partitions);
  }
  if (!committed.ok()) {
    // Without them a record's Kafka outputs could be produced twice: stop, and let a restart
    // try again, rather than break the guarantee.
    fatal_ = Unavailable("cannot read the committed offsets of the assigned partitions: " +
                         committed.status().ToString());
  } else {
    for (const PartitionOffset& po : *committed) {
      marks_.Assigned(po);
      committed_[po.tp] = po;
      handler_.Resume(po);
    }
  }
  if (options_.pending_work != nullptr) options_.pending_work->OnAssigned(partitions);
  ObserveRebalance(partitions, /*assigned=*/true, /*lost=*/false);
}

void ConsumeLoop::OnRevoked(const std::vector<TopicPartition>& partitions, bool lost) {
  ObserveRebalance(partitions, /*assigned=*/false, lost);
  if (closing_after_error_) {
    for (const TopicPartition& tp : partitions) assigned_.erase(tp);
    return;
  }
  if (lost) {
    // Another member owns them already: their work cannot commit, and in a transaction it is
    // bundled with the other partitions' work, so all of it is done again.
    for (const TopicPartition& tp : partitions) assigned_.erase(tp);
    backpressure_.Forget(partitions);
    ForgetPartitions(partitions);
    Status status = AbortWork(Unavailable("partitions lost"));
    if (!status.ok()) fatal_ = status;
    return;
  }
  // Finish what we own before giving it up: let the revoked partitions' pending work finish
  // (bounded), commit everything completed (a transaction covers all partitions at once), then
  // forget the revoked partitions.
  Status status = Drain(&partitions, Clock::now() + options_.drain_timeout);
  if (status.code() == StatusCode::kAborted) {
    status = AbortWork(status);
    if (!status.ok()) fatal_ = status;
  } else if (!status.ok()) {
    fatal_ = status;
  }
  if (!fatal_.ok() || rewind_pending_) {
    for (const TopicPartition& tp : partitions) assigned_.erase(tp);
    backpressure_.Forget(partitions);
    ForgetPartitions(partitions);
    // Their work is redone by the next owner: nothing of theirs may be committed from here.
    (void)tracker_.Drop(partitions);
    if (options_.pending_work != nullptr) options_.pending_work->DropHeldOutputs(&partitions);
    return;
  }
  if (options_.pending_work != nullptr) options_.pending_work->Abandon(&partitions);
  backpressure_.Forget(partitions);
  status = CommitCompleted();
  if (!status.ok()) {
    spdlog::error("commit on revocation failed: {}", status.ToString());
    if (status.code() == StatusCode::kInternal) fatal_ = status;
  }
  for (const TopicPartition& tp : partitions) assigned_.erase(tp);
  (void)tracker_.Drop(partitions);
  ForgetPartitions(partitions);
  if (options_.pending_work != nullptr) options_.pending_work->DropHeldOutputs(&partitions);
}

void ConsumeLoop::ForgetPartitions(const std::vector<TopicPartition>& partitions) {
  marks_.Forget(partitions);
  for (const TopicPartition& tp : partitions) committed_.erase(tp);
  handler_.Forget(partitions);
}

}  // namespace fanout
