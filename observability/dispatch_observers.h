// The sink dispatcher's reports (processor/delivery/dispatch_observer.h) turned into fanout's
// pipeline metrics and health: per route and sink, what became of the actions; per sink, its
// request latency and availability (fanout_sink_up and /readyz).
//
// Thread-safety: as the interfaces; the metrics and the health state must outlive them.
#ifndef FANOUT_OBSERVABILITY_DISPATCH_OBSERVERS_H_
#define FANOUT_OBSERVABILITY_DISPATCH_OBSERVERS_H_

#include <string>

#include "observability/health.h"
#include "observability/pipeline_metrics.h"
#include "processor/delivery/dispatch_observer.h"

namespace fanout {

// Counts one route's outcomes on its sink (PipelineMetrics::ForRouteSink).
class RouteSinkCounters final : public RouteObserver {
 public:
  explicit RouteSinkCounters(RouteSinkMetrics metrics) : metrics_(metrics) {}
  void OnOutcome(ActionOutcome outcome, const ChangeTimes& times) override;
  void OnDeadLettered() override;

 private:
  // The sink applied a change made at `times`: its freshness, and the staleness gauge.
  void ObserveAcknowledged(const ChangeTimes& times);
  // The sink holds a change made at `times` (applied now or before): the staleness gauge only.
  void AdvanceAppliedSource(const ChangeTimes& times);

  RouteSinkMetrics metrics_;
  // The newest source commit the sink acknowledged (ms); the gauge only moves forward, since
  // lanes acknowledge out of order across keys. Consume thread only.
  std::int64_t newest_source_ts_ms_ = 0;
};

// One sink's request latency and fanout_sink_up (when `metrics` is set) and its availability in
// `health` (when set). Reports the sink available on construction.
class SinkObservability final : public SinkObserver {
 public:
  SinkObservability(std::string name, PipelineMetrics* metrics, HealthState* health);
  void OnRequest(std::chrono::steady_clock::duration latency) override;
  void OnAvailability(bool available) override;

 private:
  std::string name_;
  HealthState* health_;
  Histogram* request_latency_ = nullptr;
  Gauge* up_ = nullptr;
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_DISPATCH_OBSERVERS_H_
