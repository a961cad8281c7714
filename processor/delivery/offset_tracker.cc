#include "processor/delivery/offset_tracker.h"

#include <algorithm>
#include <string>

namespace fanout {

Status OffsetTracker::Track(const TopicPartition& tp, std::int64_t offset,
                            std::int64_t timestamp_ms) {
  PartitionState& state = partitions_[tp];
  if (offset <= state.last_tracked) {
    return FailedPrecondition("offset " + std::to_string(offset) + " of " + ToString(tp) +
                              " is not above the last tracked offset " +
                              std::to_string(state.last_tracked));
  }
  state.last_tracked = offset;
  state.last_timestamp_ms = timestamp_ms;
  state.window.push_back(Slot{offset, timestamp_ms, false});
  ++state.in_flight;
  ++in_flight_;
  return Status();
}

Status OffsetTracker::Complete(const TopicPartition& tp, std::int64_t offset) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) {
    return NotFound(ToString(tp) + " has no tracked offsets");
  }
  PartitionState& state = it->second;
  auto slot = std::lower_bound(state.window.begin(), state.window.end(), offset,
                               [](const Slot& s, std::int64_t o) { return s.offset < o; });
  if (slot == state.window.end() || slot->offset != offset || slot->done) {
    return NotFound("offset " + std::to_string(offset) + " of " + ToString(tp) +
                    " is not in flight");
  }
  slot->done = true;
  --state.in_flight;
  --in_flight_;
  while (!state.window.empty() && state.window.front().done) {
    state.committable = state.window.front().offset + 1;
    state.window.pop_front();
  }
  return Status();
}

std::vector<PartitionOffset> OffsetTracker::TakeCommittable() {
  std::vector<PartitionOffset> out;
  for (auto& [tp, state] : partitions_) {
    if (state.committable > state.reported) {
      out.push_back(PartitionOffset{tp, state.committable, {}});
      state.reported = state.committable;
    }
  }
  return out;
}

std::int64_t OffsetTracker::CommitPosition(const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return -1;
  const PartitionState& state = it->second;
  if (state.committable >= 0) return state.committable;
  return state.window.empty() ? -1 : state.window.front().offset;
}

OffsetTracker::Progress OffsetTracker::ProgressOf(const TopicPartition& tp) const {
  Progress progress;
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return progress;
  const PartitionState& state = it->second;
  progress.in_flight = state.in_flight;
  progress.last_tracked_timestamp_ms = state.last_timestamp_ms;
  if (!state.window.empty()) {  // the front is never done
    progress.oldest_pending_offset = state.window.front().offset;
    progress.oldest_pending_timestamp_ms = state.window.front().timestamp_ms;
  }
  return progress;
}

std::vector<PartitionOffset> OffsetTracker::Drop(const std::vector<TopicPartition>& partitions) {
  std::vector<PartitionOffset> out;
  for (const TopicPartition& tp : partitions) {
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) continue;
    if (it->second.committable > it->second.reported) {
      out.push_back(PartitionOffset{tp, it->second.committable, {}});
    }
    for (const Slot& slot : it->second.window) {
      if (!slot.done) --in_flight_;
    }
    partitions_.erase(it);
  }
  return out;
}

}  // namespace fanout
