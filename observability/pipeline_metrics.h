// PipelineMetrics: the metrics of fanout's own pipeline (docs/OPERATIONS.md lists each one and
// what it means), declared once on a MetricsRegistry, with the children the hot path touches
// resolved ahead of time (per route and sink, per topic partition).
//
// Thread-safety: as MetricsRegistry. The per-route/per-partition lookups take a lock and may
// allocate: call them at startup or on rebalance, keep the pointers, never per event.
#ifndef FANOUT_OBSERVABILITY_PIPELINE_METRICS_H_
#define FANOUT_OBSERVABILITY_PIPELINE_METRICS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "observability/metrics.h"

namespace fanout {

// What became of the actions of one route on its sink, and the sink's timings.
struct RouteSinkMetrics {
  Counter* applied = nullptr;
  Counter* already_applied = nullptr;
  Counter* retried = nullptr;      // a failed attempt that will be tried again (counted)
  Counter* unavailable = nullptr;  // an attempt that found the sink down (not counted)
  Counter* dead_lettered = nullptr;
  // Freshness: the source's commit (ts_ms) → the sink's acknowledgement; the Kafka record's
  // timestamp → the same (fanout's own share, plus the broker's); the newest acknowledged
  // source commit, in Unix seconds.
  Histogram* source_to_applied = nullptr;
  Histogram* kafka_to_applied = nullptr;
  Gauge* applied_source_timestamp = nullptr;
};

// One assigned partition's gauges.
struct PartitionMetrics {
  Gauge* lag_records = nullptr;
  Gauge* lag_seconds = nullptr;
  Gauge* in_flight = nullptr;
  Gauge* paused = nullptr;
};

class PipelineMetrics {
 public:
  explicit PipelineMetrics(MetricsRegistry& registry);

  MetricsRegistry& registry() { return registry_; }

  RouteSinkMetrics ForRouteSink(std::string_view route, std::string_view sink);
  // Counts events a route matched and handed on (routed) and those whose action could not be
  // built (a bad record for the route, dead-lettered).
  Counter* Routed(std::string_view route) { return routed_.With({route}); }
  Counter* RouteErrors(std::string_view route) { return route_errors_.With({route}); }
  Counter* DeadLetters(std::string_view route, std::string_view sink) {
    return dead_letters_.With({route, sink});
  }
  Histogram* SinkRequest(std::string_view sink) { return sink_request_.With({sink}); }
  Gauge* SinkUp(std::string_view sink) { return sink_up_.With({sink}); }
  PartitionMetrics ForPartition(const std::string& topic, std::int32_t partition);
  // Drops the partition's series (it left the assignment); its pointers become invalid.
  void RemovePartition(const std::string& topic, std::int32_t partition);

  // Unlabelled series, updated directly.
  Counter* consumed;             // records read from Kafka, whatever they hold
  Counter* decoded;              // records decoded into a change event (tombstones included)
  Counter* decode_errors;        // records that could not be decoded (dead-lettered)
  Counter* unmatched;            // change events no route matched
  Counter* reemissions_skipped;  // Debezium re-emissions Kafka/HTTP routes skipped
  Counter* commits;              // offsets committed (a Kafka transaction or a group commit)
  Counter* commit_failures;
  Counter* aborts;  // work since the last commit thrown away (transaction aborted)
  Counter* rebalances_assigned;
  Counter* rebalances_revoked;
  Counter* rebalances_lost;
  Gauge* in_flight;  // records read and not yet finished
  Gauge* partitions_assigned;
  Gauge* partitions_paused;
  Gauge* ready;  // 1 when /readyz says ready

 private:
  MetricsRegistry& registry_;
  CounterFamily& actions_;
  CounterFamily& routed_;
  CounterFamily& route_errors_;
  CounterFamily& dead_letters_;
  HistogramFamily& sink_request_;
  HistogramFamily& source_to_applied_;
  HistogramFamily& kafka_to_applied_;
  GaugeFamily& applied_source_timestamp_;
  GaugeFamily& sink_up_;
  GaugeFamily& lag_records_;
  GaugeFamily& lag_seconds_;
  GaugeFamily& partition_in_flight_;
  GaugeFamily& partition_paused_;
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_PIPELINE_METRICS_H_
