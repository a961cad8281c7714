#include "observability/dispatch_observers.h"

#include <algorithm>
#include <utility>

#include "processor/core/wall_clock.h"

namespace fanout {

void RouteSinkCounters::OnOutcome(ActionOutcome outcome, std::int64_t source_ts_ms) {
  Counter* counter = nullptr;
  switch (outcome) {
    case ActionOutcome::kApplied:
      counter = metrics_.applied;
      if (metrics_.end_to_end != nullptr && source_ts_ms > 0) {
        metrics_.end_to_end->Observe(
            std::max<double>(0, static_cast<double>(WallClockMs() - source_ts_ms) / 1000.0));
      }
      break;
    case ActionOutcome::kAlreadyApplied:
      counter = metrics_.already_applied;
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
