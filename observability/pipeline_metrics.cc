#include "observability/pipeline_metrics.h"

namespace fanout {
namespace {

Counter* Plain(MetricsRegistry& registry, std::string_view name, std::string_view help) {
  return registry.AddCounter(name, help).With({});
}

Counter* Rebalances(MetricsRegistry& registry, std::string_view kind) {
  return registry
      .AddCounter("fanout_rebalances_total",
                  "Partition assignment changes seen by this member, by kind (assigned, "
                  "revoked, lost).",
                  {"kind"})
      .With({kind});
}

}  // namespace

PipelineMetrics::PipelineMetrics(MetricsRegistry& registry)
    : consumed(
          Plain(registry, "fanout_events_consumed_total", "Records read from the source topics.")),
      decoded(Plain(registry, "fanout_events_decoded_total",
                    "Records decoded into change events (tombstones and heartbeats included).")),
      decode_errors(
          Plain(registry, "fanout_decode_errors_total",
                "Records that could not be decoded; each went to the dead-letter topic.")),
      unmatched(Plain(registry, "fanout_events_unmatched_total",
                      "Change events that no route matched (finished without any action).")),
      reemissions_skipped(Plain(
          registry, "fanout_reemissions_skipped_total",
          "Changes Debezium emitted a second time (same source position, new offset) that Kafka "
          "and HTTP routes skipped (processing.reemitted_changes: skip).")),
      commits(Plain(registry, "fanout_commits_total",
                    "Successful commits of consumed offsets (with exactly_once: Kafka "
                    "transactions committed).")),
      commit_failures(Plain(registry, "fanout_commit_failures_total",
                            "Commits that failed (the work is kept or redone; never lost).")),
      aborts(Plain(registry, "fanout_transaction_aborts_total",
                   "Times the work since the last commit was aborted and read again.")),
      rebalances_assigned(Rebalances(registry, "assigned")),
      rebalances_revoked(Rebalances(registry, "revoked")),
      rebalances_lost(Rebalances(registry, "lost")),
      in_flight(registry
                    .AddGauge("fanout_in_flight_events",
                              "Records read whose actions are not all finished yet.")
                    .With({})),
      partitions_assigned(
          registry.AddGauge("fanout_partitions_assigned", "Partitions assigned to this member.")
              .With({})),
      partitions_paused(registry
                            .AddGauge("fanout_partitions_paused",
                                      "Assigned partitions paused because too many of their "
                                      "records are in flight (backpressure).")
                            .With({})),
      ready(registry.AddGauge("fanout_ready", "1 when the instance is ready (/readyz), else 0.")
                .With({})),
      registry_(registry),
      actions_(registry.AddCounter(
          "fanout_actions_total",
          "Sink action attempts by outcome: applied, already_applied, retried (failed, will be "
          "tried again), unavailable (sink down), dead_lettered.",
          {"route", "sink", "outcome"})),
      routed_(registry.AddCounter("fanout_events_routed_total",
                                  "Change events a route matched and turned into actions.",
                                  {"route"})),
      route_errors_(registry.AddCounter(
          "fanout_route_errors_total",
          "Change events a route matched but could not build (dead-lettered).", {"route"})),
      dead_letters_(registry.AddCounter("fanout_dead_letters_total",
                                        "Records written to the dead-letter topic (route and "
                                        "sink empty for records that could not be decoded).",
                                        {"route", "sink"})),
      sink_request_(registry.AddHistogram(
          "fanout_sink_request_duration_seconds",
          "Time from handing a batch to a sink to its answer, per sink.", {"sink"})),
      source_to_applied_(registry.AddHistogram(
          "fanout_source_to_applied_seconds",
          "Freshness: time from the change's commit in the source database (Debezium "
          "source.ts_ms) to the sink's acknowledgement of applying it (replays the sink already "
          "held are not measured).",
          {"route", "sink"})),
      kafka_to_applied_(registry.AddHistogram(
          "fanout_kafka_to_applied_seconds",
          "Time from the change's Kafka record timestamp (its append by Debezium) to the sink's "
          "acknowledgement of applying it: fanout's own share of the freshness.",
          {"route", "sink"})),
      applied_source_timestamp_(registry.AddGauge(
          "fanout_applied_source_timestamp_seconds",
          "Source commit time (Unix seconds) of the newest change the sink acknowledged for the "
          "route; time() minus it is how stale the sink is while changes wait.",
          {"route", "sink"})),
      sink_up_(registry.AddGauge(
          "fanout_sink_up", "0 while a sink answers as unavailable (down), else 1.", {"sink"})),
      lag_records_(registry.AddGauge(
          "fanout_consumer_lag_records",
          "Records of an assigned partition not finished yet: high watermark minus the oldest "
          "unfinished (or next) offset.",
          {"topic", "partition"})),
      lag_seconds_(registry.AddGauge(
          "fanout_consumer_lag_seconds",
          "Age of the oldest unfinished record of an assigned partition (0 when caught up).",
          {"topic", "partition"})),
      partition_in_flight_(registry.AddGauge(
          "fanout_partition_in_flight_events",
          "Records of an assigned partition read and not finished.", {"topic", "partition"})),
      partition_paused_(registry.AddGauge("fanout_partition_paused",
                                          "1 while an assigned partition is paused.",
                                          {"topic", "partition"})) {}

RouteSinkMetrics PipelineMetrics::ForRouteSink(std::string_view route, std::string_view sink) {
  RouteSinkMetrics m;
  m.applied = actions_.With({route, sink, "applied"});
  m.already_applied = actions_.With({route, sink, "already_applied"});
  m.retried = actions_.With({route, sink, "retried"});
  m.unavailable = actions_.With({route, sink, "unavailable"});
  m.dead_lettered = actions_.With({route, sink, "dead_lettered"});
  m.source_to_applied = source_to_applied_.With({route, sink});
  m.kafka_to_applied = kafka_to_applied_.With({route, sink});
  m.applied_source_timestamp = applied_source_timestamp_.With({route, sink});
  (void)dead_letters_.With({route, sink});
  return m;
}

PartitionMetrics PipelineMetrics::ForPartition(const std::string& topic, std::int32_t partition) {
  const std::vector<std::string> labels{topic, std::to_string(partition)};
  return PartitionMetrics{lag_records_.With(labels), lag_seconds_.With(labels),
                          partition_in_flight_.With(labels), partition_paused_.With(labels)};
}

void PipelineMetrics::RemovePartition(const std::string& topic, std::int32_t partition) {
  const std::vector<std::string> labels{topic, std::to_string(partition)};
  lag_records_.Remove(labels);
  lag_seconds_.Remove(labels);
  partition_in_flight_.Remove(labels);
  partition_paused_.Remove(labels);
}

}  // namespace fanout
