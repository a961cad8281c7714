#include "observability/dispatch_observers.h"

#include <algorithm>
#include <utility>

#include "processor/core/wall_clock.h"

namespace fanout {

namespace {

// Seconds from `since_ms` to `now_ms`, never negative (the source's clock may run ahead).
double SecondsSince(std::int64_t since_ms, std::int64_t now_ms) {
  return std::max<double>(0, static_cast<double>(now_ms - since_ms) / 1000.0);
}

}  // namespace

void RouteSinkCounters::OnOutcome(ActionOutcome outcome, const ChangeTimes& times) {
  Counter* counter = nullptr;
  switch (outcome) {
    case ActionOutcome::kApplied:
      counter = metrics_.applied;
      ObserveAcknowledged(times);
      break;
    case ActionOutcome::kAlreadyApplied:
      // The sink holds the change (a replay after a crash or a rebalance, a newer version
      // already there, a key the idempotency store knows), so the staleness gauge moves; the
      // histograms do not: its timestamps may predate an outage, which is not freshness.
      counter = metrics_.already_applied;
      AdvanceAppliedSource(times);
      break;
    case ActionOutcome::kRetry:
      counter = metrics_.retried;
      break;
    case ActionOutcome::kUnavailable:
      counter = metrics_.unavailable;
      break;
    default:
      break;
  }
  if (counter != nullptr) counter->Inc();
}

void RouteSinkCounters::ObserveAcknowledged(const ChangeTimes& times) {
  const std::int64_t now_ms = WallClockMs();
  if (times.source_ts_ms > 0 && metrics_.source_to_applied != nullptr) {
    metrics_.source_to_applied->Observe(SecondsSince(times.source_ts_ms, now_ms));
  }
  if (times.kafka_ts_ms > 0 && metrics_.kafka_to_applied != nullptr) {
    metrics_.kafka_to_applied->Observe(SecondsSince(times.kafka_ts_ms, now_ms));
  }
  AdvanceAppliedSource(times);
}

void RouteSinkCounters::AdvanceAppliedSource(const ChangeTimes& times) {
  if (times.source_ts_ms <= newest_source_ts_ms_) return;
  newest_source_ts_ms_ = times.source_ts_ms;
  if (metrics_.applied_source_timestamp != nullptr) {
    metrics_.applied_source_timestamp->Set(static_cast<double>(newest_source_ts_ms_) / 1000.0);
  }
}

void RouteSinkCounters::OnDeadLettered() {
  if (metrics_.dead_lettered != nullptr) metrics_.dead_lettered->Inc();
}

SinkObservability::SinkObservability(std::string name, PipelineMetrics* metrics,
                                     HealthState* health)
    : name_(std::move(name)), health_(health) {
  if (metrics != nullptr) {
    request_latency_ = metrics->SinkRequest(name_);
    up_ = metrics->SinkUp(name_);
  }
  OnAvailability(true);
}

void SinkObservability::OnRequest(std::chrono::steady_clock::duration latency) {
  if (request_latency_ != nullptr) {
    request_latency_->Observe(std::chrono::duration<double>(latency).count());
  }
}

void SinkObservability::OnAvailability(bool available) {
  if (up_ != nullptr) up_->Set(available ? 1 : 0);
  if (health_ != nullptr) health_->SetSinkAvailable(name_, available);
}

}  // namespace fanout
