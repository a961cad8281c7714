#include "processor/delivery/sink_dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "processor/core/wall_clock.h"
#include "processor/delivery/sink_dispatcher_state.h"

namespace fanout {

SinkDispatcher::SinkDispatcher(std::vector<Sink*> sinks, std::function<void()> wake)
    : wake_(std::move(wake)), random_(std::random_device{}()) {
  for (Sink* sink : sinks) {
    auto lanes = std::make_unique<SinkLanes>();
    lanes->sink = sink;
    // Built in place: a deque of move-only actions cannot be copied when a vector grows.
    lanes->lanes = std::vector<Lane>(std::max<std::size_t>(1, sink->max_concurrency()));
    lanes->max_batch = std::max<std::size_t>(1, sink->max_batch());
    const SinkCapabilities capabilities = sink->capabilities();
    lanes->by_partition = capabilities.lane_by == LaneBy::kPartition;
    lanes->chained_writer = capabilities.chained_writer;
    if (lanes->chained_writer != nullptr) {
      lanes->max_in_flight = std::max<std::size_t>(1, capabilities.max_batches_per_lane);
    }
    lanes->assignment_listener = capabilities.assignment_listener;
    sinks_.push_back(std::move(lanes));
  }
}

SinkDispatcher::~SinkDispatcher() = default;

void SinkDispatcher::Dispatch(const KafkaRecordView& record, const DispatchOrigin& origin,
                              std::vector<NewAction>& actions) {
  if (actions.empty()) return;
  auto pending = std::make_shared<PendingRecord>();
  PartitionState& partition =
      origin.tracked ? PartitionOf(origin.tracked->tp.topic, origin.tracked->tp.partition)
                     : PartitionOf(record.topic, record.partition);
  pending->tracked_tp = partition.tp;
  pending->tracked_offset = origin.tracked ? origin.tracked->offset : record.offset;
  pending->topic = InternTopic(record.topic);
  pending->partition_id = record.partition;
  pending->offset = record.offset;
  pending->previous_attempts = origin.previous_attempts;
  pending->first_failure_ms = origin.first_failure_ms;
  pending->source_ts_ms = origin.source_ts_ms;
  if (record.key) pending->key.emplace(*record.key);
  if (record.value) pending->value.emplace(*record.value);
  pending->timestamp_ms = record.timestamp_ms;
  for (const RecordHeaderView& header : record.headers) {
    pending->headers.emplace_back(
        std::string(header.name),
        header.value ? std::optional<std::string>(*header.value) : std::nullopt);
  }
  pending->partition = &partition;
  pending->epoch = partition.epoch;
  pending->remaining = static_cast<int>(actions.size());
  // The record's copy and its bookkeeping; the actions built from it hold about as much again
  // (docs/OPERATIONS.md states the bound with that factor).
  pending->bytes = sizeof(PendingRecord) + actions.size() * sizeof(QueuedAction) +
                   (pending->key ? pending->key->size() : 0) +
                   (pending->value ? pending->value->size() : 0);
  for (const auto& [name, header_value] : pending->headers) {
    pending->bytes += name.size() + (header_value ? header_value->size() : 0);
  }
  ++partition.pending;
  partition.pending_bytes += pending->bytes;
  ++pending_;
  pending_bytes_ += pending->bytes;

  // Same key, same lane: one batch in flight per lane keeps a key's actions in order (a sink of
  // depth > 1 keeps them in order itself, see ChainedWriter).
  const std::size_t hash = record.key ? std::hash<std::string_view>{}(*record.key)
                                      : static_cast<std::size_t>(record.partition);
  // Same partition, same lane, for sinks that store processed offsets (LaneBy::kPartition).
  const std::size_t partition_hash =
      std::hash<std::string_view>{}(record.topic) * 31 + static_cast<std::size_t>(record.partition);
  const Clock::time_point now = Clock::now();
  for (NewAction& action : actions) {
    const std::size_t sink = action.route->sink_index;
    const bool by_partition = sinks_[sink]->by_partition;
    const std::size_t lane = (by_partition ? partition_hash : hash) % sinks_[sink]->lanes.size();
    sinks_[sink]->lanes[lane].queue.push_back(
        QueuedAction{next_seq_++, pending, action.route, std::move(action.action), nullptr, 0});
    SendIfReady(sink, lane, now);
  }
  actions.clear();
}

// A lane sends when idle; with a batch in flight, only a full batch, up to the sink's depth --
// an early batch of one action would cost a write of its own and batch nothing.
bool SinkDispatcher::CanSend(const SinkLanes& lanes, const Lane& lane) {
  if (lane.in_flight == 0) return !lane.queue.empty();
  // Requeued actions wait until the lane is idle: a later batch still in flight may yet fail,
  // and its actions must be requeued behind these, not overtaken by them.
  if (lane.hold) return false;
  return lane.in_flight < lanes.max_in_flight && lane.queue.size() >= lanes.max_batch;
}

void SinkDispatcher::SendIfReady(std::size_t sink, std::size_t lane_index, Clock::time_point now) {
  SinkLanes& lanes = *sinks_[sink];
  Lane& lane = lanes.lanes[lane_index];
  while (CanSend(lanes, lane) && now >= lane.not_before) SendBatch(sink, lane_index);
}

void SinkDispatcher::SendBatch(std::size_t sink, std::size_t lane_index) {
  SinkLanes& lanes = *sinks_[sink];
  Lane& lane = lanes.lanes[lane_index];
  auto batch = std::make_shared<InFlight>();
  batch->sink = sink;
  batch->lane = lane_index;
  const std::size_t n = std::min(lanes.max_batch, lane.queue.size());
  batch->items.reserve(n);
  batch->actions.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch->items.push_back(std::move(lane.queue.front()));
    lane.queue.pop_front();
    batch->actions.push_back(batch->items.back().action.get());
  }
  const bool behind = lane.in_flight > 0;
  ++lane.in_flight;
  const std::span<const SinkAction* const> actions(batch->actions);
  SinkObserver* observer = lanes.observer;
  const Clock::time_point sent = observer != nullptr ? Clock::now() : Clock::time_point{};
  auto done = [this, batch, observer, sent](std::vector<ActionResult> results) {
    if (observer != nullptr) observer->OnRequest(Clock::now() - sent);
    {
      MutexLock lock(&mutex_);
      completions_.push_back(Completion{batch, std::move(results)});
    }
    arrived_.notify_all();
    if (wake_) wake_();
  };
  if (behind) {
    lanes.chained_writer->WriteBehind(actions, std::move(done));
  } else {
    lanes.sink->Write(actions, std::move(done));
  }
}

SinkDispatcher::PartitionState& SinkDispatcher::PartitionOf(std::string_view topic,
                                                            std::int32_t partition) {
  // Records come in runs of one partition: the last one found is usually the one asked for.
  if (last_partition_ != nullptr && last_partition_->tp->partition == partition &&
      last_partition_->tp->topic == topic) {
    return *last_partition_;
  }
  auto it = partitions_.try_emplace(TopicPartition{std::string(topic), partition}).first;
  it->second.tp = &it->first;
  last_partition_ = &it->second;
  return it->second;
}

const std::string* SinkDispatcher::InternTopic(std::string_view topic) {
  if (last_topic_ != nullptr && *last_topic_ == topic) return last_topic_;
  auto it = topics_.find(topic);
  if (it == topics_.end()) it = topics_.emplace(topic).first;
  last_topic_ = &*it;
  return last_topic_;
}

bool SinkDispatcher::Current(const QueuedAction& item) const {
  return item.record->epoch == item.record->partition->epoch;
}

void SinkDispatcher::Finish(QueuedAction& item, std::vector<PartitionOffset>* finished) {
  PendingRecord& record = *item.record;
  if (--record.remaining > 0) return;
  --record.partition->pending;
  record.partition->pending_bytes -= record.bytes;
  --pending_;
  pending_bytes_ -= record.bytes;
  finished->push_back(PartitionOffset{*record.tracked_tp, record.tracked_offset, {}});
}

Status SinkDispatcher::Collect(Clock::time_point now, const DeadLetterWriter& dead_letters,
                               std::vector<PartitionOffset>* finished) {
  std::vector<Completion> completions;
  {
    MutexLock lock(&mutex_);
    completions.swap(completions_);
  }
  for (Completion& completion : completions) {
    FANOUT_RETURN_IF_ERROR(ProcessCompletion(completion, now, dead_letters, finished));
  }
  for (std::size_t sink = 0; sink < sinks_.size(); ++sink) {
    for (std::size_t lane = 0; lane < sinks_[sink]->lanes.size(); ++lane) {
      SendIfReady(sink, lane, now);
    }
  }
  return Status();
}

SinkDispatcher::Clock::time_point SinkDispatcher::NextDue() const {
  Clock::time_point due = Clock::time_point::max();
  for (const auto& lanes : sinks_) {
    for (const Lane& lane : lanes->lanes) {
      if (CanSend(*lanes, lane)) due = std::min(due, lane.not_before);
    }
  }
  return due;
}

void SinkDispatcher::WaitForResults(Clock::time_point deadline) {
  MutexLock lock(&mutex_);
  arrived_.wait_until(lock.native(), deadline,
                      [this]() REQUIRES(mutex_) { return !completions_.empty(); });
}

void SinkDispatcher::Abandon(const std::vector<TopicPartition>* partitions) {
  auto abandon = [this](PartitionState& state) {
    ++state.epoch;
    pending_ -= state.pending;
    state.pending = 0;
    pending_bytes_ -= state.pending_bytes;
    state.pending_bytes = 0;
  };
  if (partitions == nullptr) {
    for (auto& [tp, state] : partitions_) abandon(state);
  } else {
    for (const TopicPartition& tp : *partitions) {
      auto it = partitions_.find(tp);
      if (it != partitions_.end()) abandon(it->second);
    }
  }
  for (auto& lanes : sinks_) {
    for (Lane& lane : lanes->lanes) {
      std::erase_if(lane.queue, [this](const QueuedAction& item) { return !Current(item); });
      if (lane.queue.empty()) lane.not_before = {};
    }
  }
}

std::size_t SinkDispatcher::pending(const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? 0 : it->second.pending;
}

void SinkDispatcher::SetObservers(std::vector<SinkObserver*> observers) {
  for (std::size_t i = 0; i < sinks_.size() && i < observers.size(); ++i) {
    sinks_[i]->observer = observers[i];
  }
}

void SinkDispatcher::OnPartitionsAssigned(const std::vector<TopicPartition>& partitions) {
  for (const auto& lanes : sinks_) {
    if (lanes->assignment_listener == nullptr) continue;
    Status status = lanes->assignment_listener->OnPartitionsAssigned(partitions);
    if (!status.ok()) {
      spdlog::warn(
          "a sink could not read its processed offsets on assignment ({}); it skips "
          "what it already has when writing instead",
          status.ToString());
    }
  }
}

bool SinkDispatcher::AnySinkUnavailable() const {
  return std::any_of(sinks_.begin(), sinks_.end(),
                     [](const auto& lanes) { return lanes->unavailable; });
}

}  // namespace fanout
