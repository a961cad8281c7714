#include "processor/delivery/backpressure.h"

#include <algorithm>

namespace fanout {

Backpressure::Backpressure(std::size_t max_total, std::size_t max_per_partition,
                           std::size_t max_total_bytes)
    : max_total_(std::max<std::size_t>(1, max_total)),
      max_per_partition_(std::max<std::size_t>(1, max_per_partition)),
      max_total_bytes_(std::max<std::size_t>(1, max_total_bytes)) {}

Backpressure::Decision Backpressure::Update(
    const std::set<TopicPartition>& assigned, std::size_t total, std::size_t total_bytes,
    const std::function<std::size_t(const TopicPartition&)>& in_flight) {
  Decision decision;
  const bool total_over = total >= max_total_ || total_bytes >= max_total_bytes_;
  const bool total_low = total <= max_total_ / 2 && total_bytes <= max_total_bytes_ / 2;
  for (const TopicPartition& tp : assigned) {
    const std::size_t own = in_flight(tp);
    if (!paused_.contains(tp)) {
      if (total_over || own >= max_per_partition_) {
        paused_.insert(tp);
        decision.pause.push_back(tp);
      }
    } else if (total_low && own <= max_per_partition_ / 2) {
      paused_.erase(tp);
      decision.resume.push_back(tp);
    }
  }
  return decision;
}

void Backpressure::Forget(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) paused_.erase(tp);
}

}  // namespace fanout
