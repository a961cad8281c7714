// ConsumeLoop's progress as its observer sees it: consumer lag per partition (records and
// seconds), records in flight, paused partitions, commits and rebalances. docs/OPERATIONS.md
// defines the metrics observability/loop_observability.cc makes of them.
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
  if (options_.observer == nullptr) return;
  LoopProgress progress;
  progress.assigned = assigned_.size();
  progress.paused = backpressure_.paused_count();
  progress.in_flight = tracker_.in_flight();
  const std::int64_t now_ms = WallClockMs();
  for (const Consumer::PartitionPosition& p : consumer_.Positions()) {
    if (!assigned_.contains(p.tp)) continue;  // not (or no longer) assigned to the loop
    const OffsetTracker::Progress tracked = tracker_.ProgressOf(p.tp);
    const std::int64_t from =
        tracked.oldest_pending_offset >= 0 ? tracked.oldest_pending_offset : p.position;
    const std::int64_t records =
        from >= 0 && p.high_watermark >= 0 ? std::max<std::int64_t>(0, p.high_watermark - from) : 0;
    std::int64_t since_ms = -1;
    if (tracked.oldest_pending_offset >= 0) {
      since_ms = tracked.oldest_pending_timestamp_ms;
    } else if (records > 0) {
      since_ms = tracked.last_tracked_timestamp_ms;
    }
    const double seconds =
        since_ms > 0 ? std::max(0.0, static_cast<double>(now_ms - since_ms) / 1000.0) : 0.0;
    progress.partitions.push_back(
        PartitionProgress{p.tp, records, seconds, tracked.in_flight, backpressure_.paused(p.tp)});
  }
  options_.observer->OnProgress(progress);
}

void ConsumeLoop::ObserveCommit(const Status& status) {
  if (options_.observer != nullptr) options_.observer->OnCommit(status);
}

void ConsumeLoop::ObserveRebalance(const std::vector<TopicPartition>& partitions, bool assigned,
                                   bool lost) {
  if (partitions.empty() || options_.observer == nullptr) return;
  std::size_t remaining = assigned_.size();
  if (!assigned) {
    for (const TopicPartition& tp : partitions) remaining -= assigned_.count(tp);
  }
  options_.observer->OnRebalance(partitions, assigned, lost, remaining);
}

}  // namespace fanout
