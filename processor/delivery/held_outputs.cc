#include "processor/delivery/held_outputs.h"

namespace fanout {

void HeldOutputs::Hold(const TopicPartition& tp, std::int64_t offset,
                       const OutgoingRecord& record) {
  auto it = held_[tp].emplace(offset, Held{record, {}});
  Held& held = it->second;
  if (held.record.origin) {
    held.origin_topic = std::string(held.record.origin->topic);
    held.record.origin->topic = held.origin_topic;
  }
  ++size_;
}

Status HeldOutputs::Release(const std::vector<PartitionOffset>& offsets, const Writer& write) {
  for (const PartitionOffset& po : offsets) {
    auto partition = held_.find(po.tp);
    if (partition == held_.end()) continue;
    auto& records = partition->second;
    while (!records.empty() && records.begin()->first < po.offset) {
      // The node never moves, so record.origin still points at its own origin_topic.
      FANOUT_RETURN_IF_ERROR(write(records.begin()->second.record));
      records.erase(records.begin());
      --size_;
    }
    if (records.empty()) held_.erase(partition);
  }
  return Status();
}

void HeldOutputs::Drop(const std::vector<TopicPartition>* partitions) {
  if (partitions == nullptr) {
    held_.clear();
    size_ = 0;
    return;
  }
  for (const TopicPartition& tp : *partitions) {
    auto it = held_.find(tp);
    if (it == held_.end()) continue;
    size_ -= it->second.size();
    held_.erase(it);
  }
}

}  // namespace fanout
