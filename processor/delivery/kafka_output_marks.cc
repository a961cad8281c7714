#include "processor/delivery/kafka_output_marks.h"

#include <charconv>

#include "processor/delivery/commit_metadata.h"

namespace fanout {
namespace {

constexpr std::string_view kField = "kafka-outputs-through";

}  // namespace

std::string KafkaOutputMarks::Encode(std::int64_t through) {
  std::string metadata;
  commit_metadata::AddField(&metadata, kField, std::to_string(through));
  return metadata;
}

std::int64_t KafkaOutputMarks::Decode(std::string_view metadata) {
  const std::string_view value = commit_metadata::Field(metadata, kField);
  std::int64_t through = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), through);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || through < 0) {
    return -1;
  }
  return through;
}

KafkaOutputMarks::Mark& KafkaOutputMarks::MarkOf(const TopicPartition& tp) {
  if (last_tp_ != nullptr && *last_tp_ == tp) return *last_mark_;
  auto it = marks_.try_emplace(tp).first;
  last_tp_ = &it->first;
  last_mark_ = &it->second;
  return it->second;
}

void KafkaOutputMarks::Assigned(const PartitionOffset& committed) {
  Mark& mark = MarkOf(committed.tp);
  const std::int64_t through = Decode(committed.metadata);
  mark.committed = through > committed.offset ? through : committed.offset;
  mark.handled = -1;
}

void KafkaOutputMarks::Forget(const std::vector<TopicPartition>& partitions) {
  last_tp_ = nullptr;
  last_mark_ = nullptr;
  for (const TopicPartition& tp : partitions) marks_.erase(tp);
}

void KafkaOutputMarks::Aborted() {
  for (auto& [tp, mark] : marks_) mark.handled = -1;
}

bool KafkaOutputMarks::OutputsCommitted(const TopicPartition& tp, std::int64_t offset) {
  if (marks_.empty()) return false;
  return offset < MarkOf(tp).committed;
}

void KafkaOutputMarks::Handled(const TopicPartition& tp, std::int64_t offset) {
  Mark& mark = MarkOf(tp);
  if (offset + 1 > mark.handled) mark.handled = offset + 1;
}

void KafkaOutputMarks::Annotate(
    std::vector<PartitionOffset>* offsets,
    const std::function<std::int64_t(const TopicPartition&)>& position) const {
  const std::size_t moved = offsets->size();
  for (const auto& [tp, mark] : marks_) {
    const std::int64_t through = mark.through();
    PartitionOffset* entry = nullptr;
    for (std::size_t i = 0; i < moved; ++i) {
      if ((*offsets)[i].tp == tp) entry = &(*offsets)[i];
    }
    if (entry == nullptr) {
      if (mark.handled <= mark.committed) continue;  // nothing new to say
      const std::int64_t at = position(tp);
      if (at < 0) continue;
      offsets->push_back(PartitionOffset{tp, at, {}});
      entry = &offsets->back();
    }
    entry->metadata = through > entry->offset ? Encode(through) : std::string();
  }
}

void KafkaOutputMarks::Committed(const std::vector<PartitionOffset>& offsets) {
  for (const PartitionOffset& po : offsets) {
    auto it = marks_.find(po.tp);
    if (it == marks_.end()) continue;
    const std::int64_t through = Decode(po.metadata);
    const std::int64_t now = through > po.offset ? through : po.offset;
    if (now > it->second.committed) it->second.committed = now;
  }
}

}  // namespace fanout
