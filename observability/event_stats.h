// EventStats: what the instance has consumed, by table and op, for progress lines and the final
// summary; with AttachMetrics() the same counts also go to the Prometheus counters. It is the
// pipeline's EventObserver (processor/pipeline/event_observer.h).
// Single-threaded (the consume loop's thread).
#ifndef FANOUT_OBSERVABILITY_EVENT_STATS_H_
#define FANOUT_OBSERVABILITY_EVENT_STATS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "observability/pipeline_metrics.h"
#include "processor/core/change_event.h"
#include "processor/pipeline/event_observer.h"

namespace fanout {

class EventStats final : public EventObserver {
 public:
  EventStats();

  // Counts into `metrics` too from now on (not owned; null: stop). Call before counting.
  void AttachMetrics(PipelineMetrics* metrics) { metrics_ = metrics; }

  void RecordEvent(const ChangeEvent& event) override;
  void RecordDecodeError() override {
    ++decode_errors_;
    if (metrics_ != nullptr) metrics_->decode_errors->Inc();
  }
  // A change event no route matched (it is finished without any action).
  void RecordUnmatched() override {
    ++unmatched_;
    if (metrics_ != nullptr) metrics_->unmatched->Inc();
  }
  // A change Debezium emitted a second time, which Kafka and HTTP routes skipped.
  void RecordReemissionSkipped() override {
    ++reemissions_skipped_;
    if (metrics_ != nullptr) metrics_->reemissions_skipped->Inc();
  }
  std::int64_t reemissions_skipped() const { return reemissions_skipped_; }
  // A route matched and its actions were built; or they could not be (a bad record for it).
  void RecordRouted(std::string_view route) override;
  void RecordRouteError(std::string_view route) override;
  // A Kafka route's record was handed to the producer (in the open transaction, exactly once):
  // counted as applied for (route, sink). An aborted transaction's records are counted again
  // when the work is redone (fanout_transaction_aborts_total says how often).
  void RecordProduced(std::string_view route, std::string_view sink) override;
  // A record went to the dead-letter topic (`route` and `sink` empty when it was undecodable).
  void RecordDeadLetter(std::string_view route, std::string_view sink) override;
  std::int64_t dead_letters() const { return dead_letters_; }

  std::int64_t total() const { return total_; }
  std::int64_t decode_errors() const { return decode_errors_; }
  // Change events of `table` ("schema.table") with `op`.
  std::int64_t count(std::string_view table, Op op) const;
  std::int64_t unmatched() const { return unmatched_; }
  std::int64_t routed(std::string_view route) const;
  std::int64_t route_errors(std::string_view route) const;

  // "events=N rate=R/s lag=L records (S s) tables: public.customers c=1 u=2 ..." — the rate is
  // over the time since the previous call; resets that window.
  std::string ProgressLine(std::int64_t lag_records);
  // The totals per table and op, for the final log line.
  std::string Summary() const;

 private:
  static constexpr std::array<Op, 6> kOps = {Op::kCreate, Op::kUpdate,   Op::kDelete,
                                             Op::kRead,   Op::kTruncate, Op::kMessage};
  static std::size_t OpIndex(Op op);
  std::string TableCounts() const;
  struct RouteCount {
    std::int64_t routed = 0;
    std::int64_t errors = 0;
    Counter* routed_metric = nullptr;  // resolved on the route's first event
    Counter* errors_metric = nullptr;
    Counter* produced_metric = nullptr;  // resolved on the route's first produced record
  };
  RouteCount& RouteCounts(std::string_view route);

  std::map<std::string, std::array<std::int64_t, 6>, std::less<>> per_table_;
  std::string table_buffer_;  // the qualified name of the event being counted, reused
  std::int64_t total_ = 0;
  std::int64_t tombstones_ = 0;
  std::int64_t other_ = 0;  // heartbeats, transaction metadata, schema changes
  std::int64_t decode_errors_ = 0;
  std::int64_t unmatched_ = 0;
  std::int64_t reemissions_skipped_ = 0;
  std::int64_t dead_letters_ = 0;
  std::map<std::string, RouteCount, std::less<>> per_route_;
  std::int64_t last_source_ts_ms_ = 0;
  std::int64_t window_start_total_ = 0;
  std::chrono::steady_clock::time_point window_start_;
  PipelineMetrics* metrics_ = nullptr;
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_EVENT_STATS_H_
