#include "processor/delivery/consume_loop.h"

#include <spdlog/spdlog.h>

#include <string>

namespace fanout {

using Clock = std::chrono::steady_clock;

ConsumeLoop::ConsumeLoop(Consumer& consumer, RecordHandler& handler, ConsumeLoopOptions options)
    : consumer_(consumer), handler_(handler), options_(std::move(options)) {}

Status ConsumeLoop::Run(const std::atomic<bool>& stop) {
  FANOUT_RETURN_IF_ERROR(consumer_.Subscribe(this));
  Status result;
  auto next_commit = Clock::now() + options_.commit_interval;
  auto next_progress = Clock::now() + options_.progress_interval;
  while (!stop.load(std::memory_order_relaxed)) {
    auto batch = consumer_.Poll(options_.poll_timeout, options_.max_batch);
    if (!batch.ok()) {
      result = batch.status();
      break;
    }
    for (const KafkaRecordView& record : (*batch)->records()) {
      TopicPartition tp{std::string(record.topic), record.partition};
      if (!assigned_.contains(tp)) continue;
      result = tracker_.Track(tp, record.offset);
      if (!result.ok()) break;
      result = handler_.Handle(record);
      if (!result.ok()) break;
      result = tracker_.Complete(tp, record.offset);
      if (!result.ok()) break;
    }
    if (!result.ok()) break;
    auto now = Clock::now();
    if (now >= next_commit) {
      result = CommitCompleted();
      if (!result.ok()) break;
      next_commit = now + options_.commit_interval;
    }
    if (options_.on_progress && now >= next_progress) {
      options_.on_progress(consumer_.LagRecords());
      next_progress = now + options_.progress_interval;
    }
  }
  // Finished work is committed whatever stopped the loop; unfinished work is read again later.
  Status commit = CommitCompleted();
  if (result.ok()) result = commit;
  Status close = consumer_.Close();
  if (result.ok()) result = close;
  return result;
}

Status ConsumeLoop::CommitCompleted() { return CommitOffsets(tracker_.TakeCommittable()); }

Status ConsumeLoop::CommitOffsets(const std::vector<PartitionOffset>& offsets) {
  if (offsets.empty()) return Status();
  Status status = consumer_.Commit(offsets);
  if (status.ok()) {
    ++commits_;
    for (const PartitionOffset& po : offsets) {
      spdlog::debug("committed {} at offset {}", ToString(po.tp), po.offset);
    }
    return status;
  }
  if (status.code() == StatusCode::kFailedPrecondition ||
      status.code() == StatusCode::kUnavailable) {
    // The partitions moved to another member, or the coordinator is away: the new owner re-reads
    // from the last commit, which only repeats finished work; never a loss.
    spdlog::warn("commit skipped: {}", status.ToString());
    return Status();
  }
  return status;
}

void ConsumeLoop::OnAssigned(const std::vector<TopicPartition>& partitions) {
  assigned_.insert(partitions.begin(), partitions.end());
}

void ConsumeLoop::OnRevoked(const std::vector<TopicPartition>& partitions, bool lost) {
  for (const TopicPartition& tp : partitions) assigned_.erase(tp);
  std::vector<PartitionOffset> offsets = tracker_.Drop(partitions);
  if (lost) return;  // another member owns them already; a commit would be rejected
  Status status = CommitOffsets(offsets);
  if (!status.ok()) spdlog::error("commit on revocation failed: {}", status.ToString());
}

}  // namespace fanout
