#include "observability/event_stats.h"

#include <fmt/format.h>

namespace fanout {

EventStats::EventStats() : window_start_(std::chrono::steady_clock::now()) {}

std::size_t EventStats::OpIndex(Op op) {
  for (std::size_t i = 0; i < kOps.size(); ++i) {
    if (kOps[i] == op) return i;
  }
  return 0;
}

void EventStats::RecordEvent(const ChangeEvent& event) {
  ++total_;
  if (metrics_ != nullptr) metrics_->decoded->Inc();
  switch (event.kind) {
    case RecordKind::kChange: {
      const std::string_view table = event.QualifiedTableInto(&table_buffer_);
      auto it = per_table_.find(table);  // no allocation once a table has been seen
      if (it == per_table_.end())
        it = per_table_.emplace(std::string(table), std::array<std::int64_t, 6>{}).first;
      auto& counts = it->second;
      ++counts[OpIndex(event.op)];
      if (event.source_ts_ms > 0) last_source_ts_ms_ = event.source_ts_ms;
      break;
    }
    case RecordKind::kTombstone:
      ++tombstones_;
      break;
    default:
      ++other_;
      break;
  }
}

std::int64_t EventStats::count(std::string_view table, Op op) const {
  auto it = per_table_.find(table);
  return it == per_table_.end() ? 0 : it->second[OpIndex(op)];
}

EventStats::RouteCount& EventStats::RouteCounts(std::string_view route) {
  auto it = per_route_.find(route);
  if (it == per_route_.end()) {
    RouteCount count;
    if (metrics_ != nullptr) {
      count.routed_metric = metrics_->Routed(route);
      count.errors_metric = metrics_->RouteErrors(route);
    }
    it = per_route_.emplace(std::string(route), count).first;
  }
  return it->second;
}

void EventStats::RecordRouted(std::string_view route) {
  RouteCount& count = RouteCounts(route);
  ++count.routed;
  if (count.routed_metric != nullptr) count.routed_metric->Inc();
}

void EventStats::RecordProduced(std::string_view route, std::string_view sink) {
  if (metrics_ == nullptr) return;
  RouteCount& count = RouteCounts(route);
  if (count.produced_metric == nullptr) {
    count.produced_metric = metrics_->ForRouteSink(route, sink).applied;
  }
  if (count.produced_metric != nullptr) count.produced_metric->Inc();
}

void EventStats::RecordRouteError(std::string_view route) {
  RouteCount& count = RouteCounts(route);
  ++count.errors;
  if (count.errors_metric != nullptr) count.errors_metric->Inc();
}

void EventStats::RecordDeadLetter(std::string_view route, std::string_view sink) {
  ++dead_letters_;
  // Dead letters are rare: resolving the child here costs nothing that matters.
  if (metrics_ != nullptr) metrics_->DeadLetters(route, sink)->Inc();
}

std::int64_t EventStats::routed(std::string_view route) const {
  auto it = per_route_.find(route);
  return it == per_route_.end() ? 0 : it->second.routed;
}

std::int64_t EventStats::route_errors(std::string_view route) const {
  auto it = per_route_.find(route);
  return it == per_route_.end() ? 0 : it->second.errors;
}

std::string EventStats::TableCounts() const {
  std::string out;
  for (const auto& [table, counts] : per_table_) {
    out += fmt::format(" {}", table.empty() ? "(unknown)" : table);
    for (std::size_t i = 0; i < kOps.size(); ++i) {
      if (counts[i] > 0) out += fmt::format(" {}={}", OpName(kOps[i]), counts[i]);
    }
  }
  if (tombstones_ > 0) out += fmt::format(" tombstones={}", tombstones_);
  if (other_ > 0) out += fmt::format(" other={}", other_);
  if (decode_errors_ > 0) out += fmt::format(" decode_errors={}", decode_errors_);
  if (!per_route_.empty()) {
    out += " | routes:";
    for (const auto& [route, counts] : per_route_) {
      out += fmt::format(" {}={}", route, counts.routed);
      if (counts.errors > 0) out += fmt::format(" ({} bad)", counts.errors);
    }
    out += fmt::format(" unmatched={}", unmatched_);
  }
  if (dead_letters_ > 0) out += fmt::format(" | dead_letters={}", dead_letters_);
  return out;
}

std::string EventStats::ProgressLine(std::int64_t lag_records) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - window_start_).count();
  double rate = seconds > 0 ? static_cast<double>(total_ - window_start_total_) / seconds : 0.0;
  window_start_ = now;
  window_start_total_ = total_;
  // Lag in time: how old the newest change we handled is, while there is a backlog; when caught
  // up, there is nothing waiting and the lag is zero.
  double lag_seconds = 0;
  if (lag_records > 0 && last_source_ts_ms_ > 0) {
    auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    lag_seconds = static_cast<double>(wall_ms - last_source_ts_ms_) / 1000.0;
  }
  return fmt::format("progress: events={} rate={:.0f}/s lag={} records ({:.1f} s) |{}", total_,
                     rate, lag_records, lag_seconds, TableCounts());
}

std::string EventStats::Summary() const {
  return fmt::format("events={} |{}", total_, TableCounts());
}

}  // namespace fanout
