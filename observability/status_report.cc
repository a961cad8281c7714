#include "observability/status_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>

namespace fanout {
namespace {

using Labels = std::map<std::string, std::string>;

double ParseValue(std::string_view text, bool* ok) {
  *ok = true;
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  *ok = ec == std::errc() && end == text.data() + text.size();
  return value;
}

// name{a="x",b="y"} value [timestamp]
bool ParseLine(std::string_view line, MetricSample* sample) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  sample->name.assign(line.substr(0, i));
  if (sample->name.empty()) return false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const std::size_t eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return false;
      }
      std::string name(line.substr(i, eq - i));
      std::string value;
      std::size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          ++j;
          value.push_back(line[j] == 'n' ? '\n' : line[j]);
        } else {
          value.push_back(line[j]);
        }
      }
      if (j >= line.size()) return false;
      sample->labels.emplace(std::move(name), std::move(value));
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  while (i < line.size() && line[i] == ' ') ++i;
  std::size_t end = line.find(' ', i);
  bool ok = false;
  sample->value = ParseValue(line.substr(i, end == std::string_view::npos ? end : end - i), &ok);
  return ok;
}

// The sum of the samples named `name` whose labels include `match`.
double Sum(const std::vector<MetricSample>& samples, std::string_view name, const Labels& match) {
  double sum = 0;
  for (const MetricSample& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) all = false;
    }
    if (all) sum += s.value;
  }
  return sum;
}

double Max(const std::vector<MetricSample>& samples, std::string_view name) {
  double max = 0;
  for (const MetricSample& s : samples) {
    if (s.name == name) max = std::max(max, s.value);
  }
  return max;
}

std::string Count(double value) { return fmt::format("{:.0f}", value); }

// The q-quantile of histogram `name` (matching `match`) over what was observed between the two
// scrapes, interpolated inside its bucket as Prometheus's histogram_quantile does; a negative
// value when nothing was observed in between.
double QuantileBetween(const std::vector<MetricSample>& before,
                       const std::vector<MetricSample>& after, const std::string& name,
                       const Labels& match, double q) {
  const std::string bucket = name + "_bucket";
  std::map<double, double> cumulative;  // upper bound → observations in between
  for (const MetricSample& s : after) {
    if (s.name != bucket || !s.labels.count("le")) continue;
    Labels labels = match;
    labels.emplace("le", s.labels.at("le"));
    bool ok = false;
    const double bound = ParseValue(s.labels.at("le"), &ok);
    if (!ok || cumulative.count(bound)) continue;
    cumulative[bound] = Sum(after, bucket, labels) - Sum(before, bucket, labels);
  }
  if (cumulative.empty()) return -1;
  const double total = cumulative.rbegin()->second;
  if (total <= 0) return -1;
  const double rank = q * total;
  double lower = 0;
  double below = 0;
  for (const auto& [bound, count] : cumulative) {
    if (count >= rank) {
      // The +Inf bucket has no upper bound: report the highest finite one.
      if (std::isinf(bound)) return lower;
      const double in_bucket = count - below;
      return in_bucket <= 0 ? bound : lower + (bound - lower) * (rank - below) / in_bucket;
    }
    lower = bound;
    below = count;
  }
  return lower;
}

// The column FRESH p99 s: the source commit → sink acknowledgement p99 between the scrapes, "-"
// when the route's sink acknowledged nothing in between (or it is a route to Kafka).
std::string FreshnessP99(const StatusInput& in, const Labels& route_sink) {
  const double p99 =
      QuantileBetween(in.before, in.after, "fanout_source_to_applied_seconds", route_sink, 0.99);
  return p99 < 0 ? "-" : fmt::format("{:.3f}", p99);
}

}  // namespace

Result<std::vector<MetricSample>> ParseMetricsText(std::string_view text) {
  std::vector<MetricSample> out;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    MetricSample sample;
    if (!ParseLine(line, &sample)) {
      return InvalidArgument("metrics line " + std::to_string(line_number) +
                             " is malformed: " + std::string(line.substr(0, 120)));
    }
    out.push_back(std::move(sample));
  }
  return out;
}

std::string RenderStatus(const StatusInput& in) {
  std::string out = fmt::format("fanout at {}: {}\n", in.address, in.ready ? "ready" : "NOT READY");
  for (const std::string& reason : in.reasons) out += "  - " + reason + "\n";
  const auto& now = in.after;
  const double lag_seconds = Max(now, "fanout_consumer_lag_seconds");
  out += fmt::format(
      "uptime {:.0f}s  rss {:.1f} MiB  in flight {}  partitions {} assigned, {} paused  "
      "lag max {:.1f} s / {} records\n",
      Sum(now, "fanout_uptime_seconds", {}),
      Sum(now, "process_resident_memory_bytes", {}) / 1048576,
      Count(Sum(now, "fanout_in_flight_events", {})),
      Count(Sum(now, "fanout_partitions_assigned", {})),
      Count(Sum(now, "fanout_partitions_paused", {})), lag_seconds,
      Count(Max(now, "fanout_consumer_lag_records")));
  out += fmt::format(
      "consumed {}  unmatched {}  decode errors {}  dead letters {}  commits {}  aborts {}\n\n",
      Count(Sum(now, "fanout_events_consumed_total", {})),
      Count(Sum(now, "fanout_events_unmatched_total", {})),
      Count(Sum(now, "fanout_decode_errors_total", {})),
      Count(Sum(now, "fanout_dead_letters_total", {})), Count(Sum(now, "fanout_commits_total", {})),
      Count(Sum(now, "fanout_transaction_aborts_total", {})));

  // One row per (route, sink) that has actions, plus routes to Kafka or evaluated only.
  std::set<std::pair<std::string, std::string>> rows;
  for (const MetricSample& s : now) {
    if (s.name == "fanout_actions_total" || s.name == "fanout_dead_letters_total") {
      const std::string route = s.labels.count("route") ? s.labels.at("route") : "";
      if (!route.empty()) rows.emplace(route, s.labels.count("sink") ? s.labels.at("sink") : "");
    }
  }
  for (const MetricSample& s : now) {
    if (s.name != "fanout_events_routed_total") continue;
    const std::string& route = s.labels.at("route");
    bool known = false;
    for (const auto& row : rows) known = known || row.first == route;
    if (!known) rows.emplace(route, "");
  }
  const bool any_paused = Sum(now, "fanout_partitions_paused", {}) > 0;
  std::vector<std::vector<std::string>> table = {{"ROUTE", "SINK", "RATE/s", "APPLIED", "RETRIED",
                                                  "ERRORS", "DLQ", "LAG s", "FRESH p99 s",
                                                  "PAUSED"}};
  for (const auto& [route, sink] : rows) {
    const Labels by_route{{"route", route}};
    const double rate = (Sum(now, "fanout_events_routed_total", by_route) -
                         Sum(in.before, "fanout_events_routed_total", by_route)) /
                        std::max(in.interval_seconds, 1e-3);
    Labels rs{{"route", route}};
    if (!sink.empty()) rs.emplace("sink", sink);
    auto outcome = [&](const char* name) {
      Labels l = rs;
      l.emplace("outcome", name);
      return Sum(now, "fanout_actions_total", l);
    };
    bool sink_down = false;  // only a sink with an up series can be down
    for (const MetricSample& s : now) {
      if (s.name == "fanout_sink_up" && s.labels.count("sink") && s.labels.at("sink") == sink) {
        sink_down = s.value == 0;
      }
    }
    table.push_back({route, sink.empty() ? "-" : sink, fmt::format("{:.1f}", std::max(0.0, rate)),
                     Count(outcome("applied") + outcome("already_applied")),
                     Count(outcome("retried") + outcome("unavailable")),
                     Count(Sum(now, "fanout_route_errors_total", by_route)),
                     Count(Sum(now, "fanout_dead_letters_total", by_route)),
                     fmt::format("{:.1f}", lag_seconds), FreshnessP99(in, rs),
                     sink_down ? "yes (sink down)" : (any_paused ? "partly" : "no")});
  }
  std::vector<std::size_t> widths(table.front().size(), 0);
  for (const auto& row : table) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : table) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  if (rows.empty()) out += "(no route has seen an event yet)\n";
  return out;
}

}  // namespace fanout
