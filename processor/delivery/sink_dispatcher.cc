#include "processor/delivery/sink_dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "processor/core/wall_clock.h"

namespace fanout {

// An owned copy of a record with pending actions: its actions may outlive the consumed batch,
// and a dead letter needs the original key, value and headers. Topic names are not copied per
// record: `tracked_tp` is the key of the dispatcher's partition map and `topic` an interned name,
// both stable (map and set nodes are never erased).
struct SinkDispatcher::PendingRecord {
  const TopicPartition* tracked_tp = nullptr;  // with tracked_offset, what completes in the loop
  std::int64_t tracked_offset = -1;
  const std::string* topic = nullptr;  // the record's own coordinates, for its dead letter
  std::int32_t partition_id = 0;
  std::int64_t offset = -1;
  int previous_attempts = 0;
  std::int64_t first_failure_ms = 0;
  std::int64_t source_ts_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp_ms = -1;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  PartitionState* partition = nullptr;
  std::uint64_t epoch = 0;
  int remaining = 0;
  std::size_t bytes = 0;  // what this copy holds, for the byte bound (pending_bytes())

  KafkaRecordView View() const {
    KafkaRecordView view;
    view.topic = *topic;
    view.partition = partition_id;
    view.offset = offset;
    if (key) view.key = *key;
    if (value) view.value = *value;
    view.timestamp_ms = timestamp_ms;
    for (const auto& [name, header_value] : headers) {
      RecordHeaderView header{name, std::nullopt};
      if (header_value) header.value = *header_value;
      view.headers.push_back(header);
    }
    return view;
  }
};

struct SinkDispatcher::QueuedAction {
  std::uint64_t seq = 0;  // dispatch order: a lane's queue is sorted by it
  std::shared_ptr<PendingRecord> record;
  const DispatchRoute* route = nullptr;
  std::unique_ptr<SinkAction> action;
  std::unique_ptr<RetryState> retry;  // from the first counted failure on
  std::int64_t first_failure_ms = 0;  // wall clock, for the dead letter
};

struct SinkDispatcher::Lane {
  std::deque<QueuedAction> queue;
  std::size_t in_flight = 0;  // batches
  bool hold = false;          // actions were requeued while batches were in flight
  Clock::time_point not_before{};
  int unavailable_streak = 0;  // consecutive kUnavailable answers: the lane's own backoff
};

struct SinkDispatcher::SinkLanes {
  Sink* sink = nullptr;
  std::vector<Lane> lanes;
  std::size_t max_batch = 1;
  std::size_t max_in_flight = 1;  // batches per lane (Sink::max_batches_per_lane)
  bool unavailable = false;
  // When Sink::Probe last accepted the sink (after a kRefused); epoch when never.
  Clock::time_point probe_passed{};
  std::string name;                      // for metrics and health
  Histogram* request_latency = nullptr;  // Write() → its callback
  Gauge* up = nullptr;
};

struct SinkDispatcher::InFlight {
  std::size_t sink = 0;
  std::size_t lane = 0;
  std::vector<QueuedAction> items;
  std::vector<const SinkAction*> actions;  // parallel to items, what Write() sees
};

struct SinkDispatcher::Completion {
  std::shared_ptr<InFlight> batch;
  std::vector<ActionResult> results;
};

SinkDispatcher::SinkDispatcher(std::vector<Sink*> sinks, std::function<void()> wake)
    : wake_(std::move(wake)), random_(std::random_device{}()) {
  for (Sink* sink : sinks) {
    auto lanes = std::make_unique<SinkLanes>();
    lanes->sink = sink;
    // Built in place: a deque of move-only actions cannot be copied when a vector grows.
    lanes->lanes = std::vector<Lane>(std::max<std::size_t>(1, sink->max_concurrency()));
    lanes->max_batch = std::max<std::size_t>(1, sink->max_batch());
    lanes->max_in_flight = std::max<std::size_t>(1, sink->max_batches_per_lane());
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
  // depth > 1 keeps them in order itself, see Sink::WriteBehind).
  const std::size_t hash = record.key ? std::hash<std::string_view>{}(*record.key)
                                      : static_cast<std::size_t>(record.partition);
  // Same partition, same lane, for sinks that store processed offsets (Sink::LaneBy).
  const std::size_t partition_hash =
      std::hash<std::string_view>{}(record.topic) * 31 + static_cast<std::size_t>(record.partition);
  const Clock::time_point now = Clock::now();
  for (NewAction& action : actions) {
    const std::size_t sink = action.route->sink_index;
    const bool by_partition = sinks_[sink]->sink->lane_by() == Sink::LaneBy::kPartition;
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
  Histogram* latency = lanes.request_latency;
  const Clock::time_point sent = latency != nullptr ? Clock::now() : Clock::time_point{};
  auto done = [this, batch, latency, sent](std::vector<ActionResult> results) {
    if (latency != nullptr) {
      latency->Observe(std::chrono::duration<double>(Clock::now() - sent).count());
    }
    {
      MutexLock lock(&mutex_);
      completions_.push_back(Completion{batch, std::move(results)});
    }
    arrived_.notify_all();
    if (wake_) wake_();
  };
  if (behind) {
    lanes.sink->WriteBehind(actions, std::move(done));
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

Status SinkDispatcher::ProcessCompletion(Completion& completion, Clock::time_point now,
                                         const DeadLetterWriter& dead_letters,
                                         std::vector<PartitionOffset>* finished) {
  InFlight& batch = *completion.batch;
  SinkLanes& lanes = *sinks_[batch.sink];
  Lane& lane = lanes.lanes[batch.lane];
  if (--lane.in_flight == 0) lane.hold = false;
  if (completion.results.size() != batch.items.size()) {
    return Internal("a sink returned " + std::to_string(completion.results.size()) +
                    " results for " + std::to_string(batch.items.size()) + " actions");
  }
  std::vector<QueuedAction> again;
  std::chrono::milliseconds wait{0};
  bool unavailable = false;
  for (std::size_t i = 0; i < batch.items.size(); ++i) {
    QueuedAction& item = batch.items[i];
    if (!Current(item)) continue;  // abandoned while in flight
    const ActionResult& result = completion.results[i];
    const DispatchRoute& route = *item.route;
    if (!result.attempted && (result.outcome == ActionOutcome::kRetry ||
                              result.outcome == ActionOutcome::kUnavailable)) {
      again.push_back(std::move(item));  // never tried: no attempt, no metric, no backoff
      continue;
    }
    switch (result.outcome) {
      case ActionOutcome::kApplied:
      case ActionOutcome::kAlreadyApplied:
        CountOutcome(route.metrics, result.outcome, item.record->source_ts_ms);
        if (lanes.unavailable) SetAvailable(lanes, true);
        lanes.unavailable = false;
        lane.unavailable_streak = 0;
        Finish(item, finished);
        break;
      case ActionOutcome::kUnavailable:
        CountOutcome(route.metrics, result.outcome, 0);
        unavailable = true;
        wait = std::max(wait, result.retry_after);
        again.push_back(std::move(item));
        break;
      case ActionOutcome::kRetry: {
        if (!item.retry) {
          item.retry = std::make_unique<RetryState>(route.retry);
          item.first_failure_ms = WallClockMs();
        }
        std::optional<std::chrono::milliseconds> backoff = item.retry->OnFailure(now, random_);
        if (backoff) {
          spdlog::debug("route '{}': attempt {} failed, retrying in {} ms: {}", route.name,
                        item.retry->attempts(), backoff->count(), result.message);
          CountOutcome(route.metrics, result.outcome, 0);
          wait = std::max({wait, *backoff, result.retry_after});
          again.push_back(std::move(item));
          break;
        }
        const std::string why = "retries exhausted after " +
                                std::to_string(item.retry->attempts()) +
                                " attempts: " + result.message;
        if (route.retry.on_exhausted == OnExhaustedAction::kFail) {
          return Internal("route '" + route.name + "' (on_exhausted: fail): " + why);
        }
        FANOUT_RETURN_IF_ERROR(DeadLetter(item, "retries_exhausted", why, dead_letters));
        Finish(item, finished);
        break;
      }
      case ActionOutcome::kBadRecord:
        FANOUT_RETURN_IF_ERROR(DeadLetter(item, "bad_record", result.message, dead_letters));
        Finish(item, finished);
        break;
      case ActionOutcome::kRefused: {
        FANOUT_ASSIGN_OR_RETURN(const bool reachable,
                                ProbeAfterRefusal(lanes, route.sink_name, result.message));
        if (!reachable) {  // judged once the server answers again
          CountOutcome(route.metrics, ActionOutcome::kUnavailable, 0);
          unavailable = true;
          again.push_back(std::move(item));
          break;
        }
        // The sink as a whole is accepted: the refusal was this record's (logged with its
        // dead letter, class `refused`).
        FANOUT_RETURN_IF_ERROR(DeadLetter(item, "refused", result.message, dead_letters));
        Finish(item, finished);
        break;
      }
      case ActionOutcome::kFatal:
        return Internal("sink '" + route.sink_name + "': " + result.message);
    }
  }
  if (unavailable) {
    if (!lanes.unavailable) {
      spdlog::warn("sink '{}' is unavailable; retrying without dead-lettering: {}",
                   batch.items.front().route->sink_name, completion.results.front().message);
    }
    if (!lanes.unavailable) SetAvailable(lanes, false);
    lanes.unavailable = true;
    // The lane's own exponential backoff, bounded by the route's: the server is down for every
    // action alike, so attempts are not counted against any of them.
    const RetryPolicy& policy = batch.items.front().route->retry;
    const int shift = std::min(lane.unavailable_streak++, 20);
    auto backoff = policy.initial_backoff * (std::int64_t{1} << shift);
    backoff = std::min<std::chrono::milliseconds>(backoff, policy.max_backoff);
    std::uniform_int_distribution<std::int64_t> jitter(backoff.count() / 2, backoff.count());
    wait = std::max(wait, std::chrono::milliseconds(jitter(random_)));
  }
  // Retried actions go back to the head of their lane, in their order, ahead of newer ones --
  // and, with several batches of the lane in flight, among the retried actions of a later batch
  // that came back first: the queue stays in dispatch order.
  if (!again.empty()) {
    if (lane.queue.empty() || again.back().seq < lane.queue.front().seq) {
      for (auto it = again.rbegin(); it != again.rend(); ++it)
        lane.queue.push_front(std::move(*it));
    } else {
      std::deque<QueuedAction> merged;
      std::merge(std::make_move_iterator(again.begin()), std::make_move_iterator(again.end()),
                 std::make_move_iterator(lane.queue.begin()),
                 std::make_move_iterator(lane.queue.end()), std::back_inserter(merged),
                 [](const QueuedAction& a, const QueuedAction& b) { return a.seq < b.seq; });
      lane.queue = std::move(merged);
    }
    // Never shortened by a later batch's answer: the longest backoff of the round holds.
    lane.not_before = std::max(lane.not_before, now + wait);
    if (lane.in_flight > 0) lane.hold = true;
  }
  return Status();
}

Result<bool> SinkDispatcher::ProbeAfterRefusal(SinkLanes& lanes, std::string_view sink_name,
                                               std::string_view refusal) {
  // One probe answers for every refusal of the next second: a burst of refused records (a hostile
  // source) costs one request, not one each. Credentials revoked within that second dead-letter
  // what they refuse until the next probe stops fanout; those records are replayable.
  constexpr std::chrono::seconds kProbeReuse{1};
  constexpr std::chrono::seconds kProbeTimeout{10};
  const Clock::time_point now = Clock::now();
  if (lanes.probe_passed != Clock::time_point{} && now - lanes.probe_passed < kProbeReuse) {
    return true;
  }
  const Status probe = lanes.sink->Probe(kProbeTimeout);
  if (probe.ok()) {
    lanes.probe_passed = Clock::now();
    return true;
  }
  if (probe.code() == StatusCode::kUnavailable) return false;
  return Internal("sink '" + std::string(sink_name) + "' refused an action (" +
                  std::string(refusal) +
                  ") and refuses the sink as a whole too: " + std::string(probe.message()));
}

Status SinkDispatcher::DeadLetter(QueuedAction& item, std::string_view error_class,
                                  std::string_view message, const DeadLetterWriter& dead_letters) {
  const std::int64_t now = WallClockMs();
  const DispatchRoute& route = *item.route;
  const PendingRecord& record = *item.record;
  std::int64_t first = record.first_failure_ms;
  if (first <= 0) first = item.first_failure_ms > 0 ? item.first_failure_ms : now;
  DeadLetterContext context{
      error_class,
      message,
      route.name,
      route.sink_name,
      record.previous_attempts + (item.retry ? std::max(1, item.retry->attempts()) : 1),
      first,
      now};
  if (route.metrics.dead_lettered != nullptr) route.metrics.dead_lettered->Inc();
  spdlog::error("route '{}': {}[{}]@{} dead-lettered ({}): {}", route.name, *record.topic,
                record.partition_id, record.offset, error_class, message);
  return dead_letters(item.record->View(), context, *record.tracked_tp, record.tracked_offset);
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

void SinkDispatcher::SetObservability(const std::vector<std::string>& names,
                                      PipelineMetrics* metrics, HealthState* health) {
  health_ = health;
  for (std::size_t i = 0; i < sinks_.size() && i < names.size(); ++i) {
    SinkLanes& lanes = *sinks_[i];
    lanes.name = names[i];
    if (metrics != nullptr) {
      lanes.request_latency = metrics->SinkRequest(names[i]);
      lanes.up = metrics->SinkUp(names[i]);
      lanes.up->Set(1);
    }
    if (health_ != nullptr) health_->SetSinkAvailable(names[i], true);
  }
}

void SinkDispatcher::SetAvailable(SinkLanes& lanes, bool available) {
  if (lanes.up != nullptr) lanes.up->Set(available ? 1 : 0);
  if (health_ != nullptr && !lanes.name.empty()) health_->SetSinkAvailable(lanes.name, available);
}

void SinkDispatcher::CountOutcome(const RouteSinkMetrics& metrics, ActionOutcome outcome,
                                  std::int64_t source_ts_ms) {
  Counter* counter = nullptr;
  switch (outcome) {
    case ActionOutcome::kApplied:
      counter = metrics.applied;
      if (metrics.end_to_end != nullptr && source_ts_ms > 0) {
        metrics.end_to_end->Observe(
            std::max<double>(0, static_cast<double>(WallClockMs() - source_ts_ms) / 1000.0));
      }
      break;
    case ActionOutcome::kAlreadyApplied:
      counter = metrics.already_applied;
      break;
    case ActionOutcome::kRetry:
      counter = metrics.retried;
      break;
    case ActionOutcome::kUnavailable:
      counter = metrics.unavailable;
      break;
    default:
      break;
  }
  if (counter != nullptr) counter->Inc();
}

void SinkDispatcher::OnPartitionsAssigned(const std::vector<TopicPartition>& partitions) {
  for (const auto& lanes : sinks_) {
    Status status = lanes->sink->OnPartitionsAssigned(partitions);
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
