#include "processor/kafka/rejected_records.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

namespace fanout {

RejectedRecords::Key RejectedRecords::MakeKey(std::string_view origin_topic, std::int32_t partition,
                                              std::int64_t offset, std::string_view topic,
                                              std::optional<std::string_view> key) {
  return Key(std::string(origin_topic), partition, offset, std::string(topic),
             key ? std::string(*key) : std::string(1, '\0'));
}

RejectedRecords::Verdict RejectedRecords::Check(const RecordOrigin& origin, std::string_view topic,
                                                std::optional<std::string_view> key,
                                                std::string* reason) const {
  if (known_.empty()) return Verdict::kProduce;  // the hot path: nothing was ever refused
  auto it = known_.find(MakeKey(origin.topic, origin.partition, origin.offset, topic, key));
  if (it == known_.end()) return Verdict::kProduce;
  if (!it->second.culprit) return Verdict::kIsolate;
  if (reason != nullptr) *reason = it->second.reason;
  return Verdict::kDeadLetter;
}

std::uint32_t RejectedRecords::TopicIndex(std::string_view topic) {
  // A handful of topics, and usually the same one as last time.
  for (std::size_t i = topics_.size(); i > 0; --i) {
    if (topics_[i - 1] == topic) return static_cast<std::uint32_t>(i - 1);
  }
  topics_.emplace_back(topic);
  return static_cast<std::uint32_t>(topics_.size() - 1);
}

std::uintptr_t RejectedRecords::Track(const RecordOrigin& origin, bool isolated) {
  tracked_.push_back({TopicIndex(origin.topic), origin.partition, origin.offset, isolated});
  return first_tag_ + tracked_.size();
}

const RejectedRecords::Tracked* RejectedRecords::Find(std::uintptr_t tag) const {
  if (tag <= first_tag_ || tag - first_tag_ > tracked_.size()) return nullptr;
  return &tracked_[tag - first_tag_ - 1];
}

void RejectedRecords::OnRejected(std::uintptr_t tag, std::string_view topic,
                                 std::optional<std::string_view> key, std::string_view reason) {
  const Tracked* tracked = Find(tag);
  if (tracked == nullptr) return;
  Known& known =
      known_[MakeKey(topics_[tracked->topic], tracked->partition, tracked->offset, topic, key)];
  // Alone, the refusal is the record's own; in a batch it may be a neighbour's.
  known.culprit = known.culprit || tracked->isolated;
  known.reason = std::string(reason);
  known.order = next_order_++;
  if (known_.size() > kMaxRemembered) Forget();
}

bool RejectedRecords::OnDelivered(std::uintptr_t tag, std::string_view topic,
                                  std::optional<std::string_view> key) {
  const Tracked* tracked = Find(tag);
  if (tracked == nullptr || known_.empty()) return false;
  auto it = known_.find(
      MakeKey(topics_[tracked->topic], tracked->partition, tracked->offset, topic, key));
  if (it == known_.end() || it->second.culprit || it->second.acquitted) return false;
  it->second.acquitted = true;  // Check() keeps answering kIsolate for it
  it->second.reason.clear();
  return true;
}

void RejectedRecords::EndAttempt() {
  first_tag_ += tracked_.size();
  tracked_.clear();
  // Topic names stay: tags are gone, but the names are reused by the next attempt.
}

void RejectedRecords::Forget() {
  std::vector<std::uint64_t> orders;
  orders.reserve(known_.size());
  for (const auto& [key, known] : known_) orders.push_back(known.order);
  std::nth_element(orders.begin(), orders.begin() + static_cast<std::ptrdiff_t>(orders.size() / 2),
                   orders.end());
  const std::uint64_t median = orders[orders.size() / 2];
  std::erase_if(known_, [median](const auto& entry) { return entry.second.order < median; });
}

bool IsRecordLevelError(int code) {
  switch (static_cast<rd_kafka_resp_err_t>(code)) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return true;
    default:
      return false;
  }
}

}  // namespace fanout
