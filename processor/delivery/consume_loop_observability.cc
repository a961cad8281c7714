// ConsumeLoop's metrics and health: consumer lag per partition (records and seconds), records
// in flight, paused partitions, commits and rebalances. docs/OPERATIONS.md defines each.
#include <algorithm>
#include <chrono>

#include "processor/core/wall_clock.h"
#include "processor/delivery/consume_loop.h"

namespace fanout {

// Lag of one assigned partition:
//   records  high watermark − the oldest unfinished offset (or, with nothing in flight, the next
//            offset to read); 0 while either is unknown.
//   seconds  now − the Kafka timestamp of the oldest unfinished record; with nothing in flight
//            but records still to read, now − the timestamp of the last record read (the next
//            one is newer, so this is an upper bound); 0 when caught up.
// A sink that is down keeps its records unfinished: their age, and so the lag in seconds, grows
// until it is back.
void ConsumeLoop::PublishProgress() {
  PipelineMetrics* metrics = options_.metrics;
  const std::size_t in_flight = tracker_.in_flight();
  if (options_.health != nullptr) {
    options_.health->SetAssigned(assigned_.size());
    options_.health->SetPaused(backpressure_.paused_count());
    options_.health->SetInFlight(in_flight);
  }
  if (metrics == nullptr) return;
  metrics->in_flight->Set(static_cast<double>(in_flight));
  metrics->partitions_assigned->Set(static_cast<double>(assigned_.size()));
  metrics->partitions_paused->Set(static_cast<double>(backpressure_.paused_count()));
  const std::int64_t now_ms = WallClockMs();
  for (const Consumer::PartitionPosition& p : consumer_.Positions()) {
    auto it = partition_metrics_.find(p.tp);
    if (it == partition_metrics_.end()) continue;  // not (or no longer) assigned to the loop
    const OffsetTracker::Progress progress = tracker_.ProgressOf(p.tp);
    const std::int64_t from =
        progress.oldest_pending_offset >= 0 ? progress.oldest_pending_offset : p.position;
    const std::int64_t records =
        from >= 0 && p.high_watermark >= 0 ? std::max<std::int64_t>(0, p.high_watermark - from) : 0;
    std::int64_t since_ms = -1;
    if (progress.oldest_pending_offset >= 0) {
      since_ms = progress.oldest_pending_timestamp_ms;
    } else if (records > 0) {
      since_ms = progress.last_tracked_timestamp_ms;
    }
    const double seconds =
        since_ms > 0 ? std::max(0.0, static_cast<double>(now_ms - since_ms) / 1000.0) : 0.0;
    const PartitionMetrics& m = it->second;
    m.lag_records->Set(static_cast<double>(records));
    m.lag_seconds->Set(seconds);
    m.in_flight->Set(static_cast<double>(progress.in_flight));
    m.paused->Set(backpressure_.paused(p.tp) ? 1 : 0);
  }
}

void ConsumeLoop::ObserveCommit(const Status& status) {
  if (options_.metrics != nullptr) {
    (status.ok() ? options_.metrics->commits : options_.metrics->commit_failures)->Inc();
  }
  if (options_.health == nullptr) return;
  if (status.ok()) {
    options_.health->CommitSucceeded();
  } else {
    options_.health->CommitFailed(status.ToString());
  }
}

void ConsumeLoop::ObserveRebalance(const std::vector<TopicPartition>& partitions, bool assigned,
                                   bool lost) {
  if (partitions.empty()) return;
  PipelineMetrics* metrics = options_.metrics;
  std::size_t remaining = assigned_.size();
  if (!assigned) {
    for (const TopicPartition& tp : partitions) remaining -= assigned_.count(tp);
  }
  if (options_.health != nullptr) options_.health->SetAssigned(remaining);
  if (metrics == nullptr) return;
  (assigned ? metrics->rebalances_assigned
            : (lost ? metrics->rebalances_lost : metrics->rebalances_revoked))
      ->Inc();
  metrics->partitions_assigned->Set(static_cast<double>(remaining));
  for (const TopicPartition& tp : partitions) {
    if (assigned) {
      partition_metrics_.emplace(tp, metrics->ForPartition(tp.topic, tp.partition));
    } else if (partition_metrics_.erase(tp) > 0) {
      metrics->RemovePartition(tp.topic, tp.partition);
    }
  }
}

}  // namespace fanout
