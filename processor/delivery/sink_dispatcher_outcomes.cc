// SinkDispatcher: what becomes of the answers of a batch, one handler per outcome (the delivery
// rules of sink_dispatcher.h: retry, unavailable, failure, completion).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

#include "processor/core/wall_clock.h"
#include "processor/delivery/sink_dispatcher.h"
#include "processor/delivery/sink_dispatcher_state.h"

namespace fanout {

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
  Answers answers{lanes, lane, now, dead_letters, finished, {}, {}, false};
  for (std::size_t i = 0; i < batch.items.size(); ++i) {
    QueuedAction& item = batch.items[i];
    if (!Current(item)) continue;  // abandoned while in flight
    FANOUT_RETURN_IF_ERROR(OnAnswer(answers, item, completion.results[i]));
  }
  if (answers.unavailable) {
    if (!lanes.unavailable) {
      spdlog::warn("sink '{}' is unavailable; retrying without dead-lettering: {}",
                   batch.items.front().route->sink_name, completion.results.front().message);
    }
    BackOffUnavailable(answers, batch.items.front().route->retry);
  }
  Requeue(answers);
  return Status();
}

Status SinkDispatcher::OnAnswer(Answers& answers, QueuedAction& item, const ActionResult& result) {
  if (!result.attempted &&
      (result.outcome == ActionOutcome::kRetry || result.outcome == ActionOutcome::kUnavailable)) {
    answers.again.push_back(std::move(item));  // never tried: no attempt, no metric, no backoff
    return Status();
  }
  switch (result.outcome) {
    case ActionOutcome::kApplied:
    case ActionOutcome::kAlreadyApplied:
      OnDone(answers, item, result);
      return Status();
    case ActionOutcome::kUnavailable:
      OnUnavailable(answers, item, result);
      return Status();
    case ActionOutcome::kRetry:
      return OnRetry(answers, item, result);
    case ActionOutcome::kBadRecord:
      return OnBadRecord(answers, item, result);
    case ActionOutcome::kRefused:
      return OnRefused(answers, item, result);
    case ActionOutcome::kFatal:
      return Internal("sink '" + item.route->sink_name + "': " + result.message);
  }
  return Internal("a sink returned an unknown outcome");
}

void SinkDispatcher::OnDone(Answers& answers, QueuedAction& item, const ActionResult& result) {
  CountOutcome(*item.route, result.outcome,
               ChangeTimes{item.record->source_ts_ms, item.record->timestamp_ms});
  if (answers.lanes.unavailable) SetAvailable(answers.lanes, true);
  answers.lanes.unavailable = false;
  answers.lane.unavailable_streak = 0;
  Finish(item, answers.finished);
}

void SinkDispatcher::OnUnavailable(Answers& answers, QueuedAction& item,
                                   const ActionResult& result) {
  CountOutcome(*item.route, result.outcome, {});
  answers.unavailable = true;
  answers.wait = std::max(answers.wait, result.retry_after);
  answers.again.push_back(std::move(item));
}

Status SinkDispatcher::OnRetry(Answers& answers, QueuedAction& item, const ActionResult& result) {
  const DispatchRoute& route = *item.route;
  if (!item.retry) {
    item.retry = std::make_unique<RetryState>(route.retry);
    item.first_failure_ms = WallClockMs();
  }
  const std::optional<std::chrono::milliseconds> backoff =
      item.retry->OnFailure(answers.now, random_);
  if (backoff) {
    spdlog::debug("route '{}': attempt {} failed, retrying in {} ms: {}", route.name,
                  item.retry->attempts(), backoff->count(), result.message);
    CountOutcome(route, result.outcome, {});
    answers.wait = std::max({answers.wait, *backoff, result.retry_after});
    answers.again.push_back(std::move(item));
    return Status();
  }
  const std::string why = "retries exhausted after " + std::to_string(item.retry->attempts()) +
                          " attempts: " + result.message;
  if (route.retry.on_exhausted == OnExhaustedAction::kFail) {
    return Internal("route '" + route.name + "' (on_exhausted: fail): " + why);
  }
  FANOUT_RETURN_IF_ERROR(DeadLetter(item, "retries_exhausted", why, answers.dead_letters));
  Finish(item, answers.finished);
  return Status();
}

Status SinkDispatcher::OnBadRecord(Answers& answers, QueuedAction& item,
                                   const ActionResult& result) {
  FANOUT_RETURN_IF_ERROR(DeadLetter(item, "bad_record", result.message, answers.dead_letters));
  Finish(item, answers.finished);
  return Status();
}

Status SinkDispatcher::OnRefused(Answers& answers, QueuedAction& item, const ActionResult& result) {
  FANOUT_ASSIGN_OR_RETURN(const bool reachable,
                          ProbeAfterRefusal(answers.lanes, item.route->sink_name, result.message));
  if (!reachable) {  // judged once the server answers again
    CountOutcome(*item.route, ActionOutcome::kUnavailable, {});
    answers.unavailable = true;
    answers.again.push_back(std::move(item));
    return Status();
  }
  // The sink as a whole is accepted: the refusal was this record's (logged with its dead
  // letter, class `refused`).
  FANOUT_RETURN_IF_ERROR(DeadLetter(item, "refused", result.message, answers.dead_letters));
  Finish(item, answers.finished);
  return Status();
}

void SinkDispatcher::BackOffUnavailable(Answers& answers, const RetryPolicy& policy) {
  if (!answers.lanes.unavailable) SetAvailable(answers.lanes, false);
  answers.lanes.unavailable = true;
  // The server is down for every action alike, so no attempt is counted against any of them;
  // the lane backs off by its own streak, as the route's policy would after as many failures.
  // Capped: far beyond the point where the backoff reaches max_backoff.
  answers.lane.unavailable_streak = std::min(answers.lane.unavailable_streak + 1, 64);
  answers.wait =
      std::max(answers.wait, JitteredBackoff(policy, answers.lane.unavailable_streak, random_));
}

void SinkDispatcher::Requeue(Answers& answers) {
  std::vector<QueuedAction>& again = answers.again;
  if (again.empty()) return;
  Lane& lane = answers.lane;
  // Retried actions go back to the head of their lane, in their order, ahead of newer ones --
  // and, with several batches of the lane in flight, among the retried actions of a later batch
  // that came back first: the queue stays in dispatch order.
  if (lane.queue.empty() || again.back().seq < lane.queue.front().seq) {
    for (auto it = again.rbegin(); it != again.rend(); ++it) lane.queue.push_front(std::move(*it));
  } else {
    std::deque<QueuedAction> merged;
    std::merge(std::make_move_iterator(again.begin()), std::make_move_iterator(again.end()),
               std::make_move_iterator(lane.queue.begin()),
               std::make_move_iterator(lane.queue.end()), std::back_inserter(merged),
               [](const QueuedAction& a, const QueuedAction& b) { return a.seq < b.seq; });
    lane.queue = std::move(merged);
  }
  // Never shortened by a later batch's answer: the longest backoff of the round holds.
  lane.not_before = std::max(lane.not_before, answers.now + answers.wait);
  if (lane.in_flight > 0) lane.hold = true;
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
  if (route.observer != nullptr) route.observer->OnDeadLettered();
  spdlog::error("route '{}': {}[{}]@{} dead-lettered ({}): {}", route.name, *record.topic,
                record.partition_id, record.offset, error_class, message);
  return dead_letters(item.record->View(), context, *record.tracked_tp, record.tracked_offset);
}

void SinkDispatcher::SetAvailable(SinkLanes& lanes, bool available) {
  if (lanes.observer != nullptr) lanes.observer->OnAvailability(available);
}

void SinkDispatcher::CountOutcome(const DispatchRoute& route, ActionOutcome outcome,
                                  const ChangeTimes& times) {
  if (route.observer != nullptr) route.observer->OnOutcome(outcome, times);
}

}  // namespace fanout
