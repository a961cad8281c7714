#include "observability/metrics.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

namespace fanout {
namespace {

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Declaring metrics happens at startup from code, never from input: a wrong declaration is a
// bug to find at once, not an error to handle.
[[noreturn]] void Misuse(std::string_view what, std::string_view name) {
  std::fprintf(stderr, "metrics: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(name.size()), name.data());
  std::abort();
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  // A dozen bounds: a linear scan beats a binary search and keeps this branch-predictable.
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  // The count is the +Inf bucket, so that the two always agree within one snapshot.
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::span<const double> LatencyBuckets() {
  // 15 and 20 ms: freshness targets are stated at 20 ms, and a p99 interpolated inside a 10-25 ms
  // bucket read 3-6 ms above the per-change figure (docs/BENCHMARKS.md, freshness).
  static constexpr std::array<double, 17> kBounds = {
      0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return kBounds;
}

template <typename M>
std::unique_ptr<M> Family<M>::Make() const {
  if constexpr (std::is_same_v<M, Histogram>) {
    return std::make_unique<Histogram>(bounds_);
  } else {
    return std::make_unique<M>();
  }
}

template <typename M>
M* Family<M>::With(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) Misuse("wrong number of label values", name_);
  MutexLock lock(&mutex_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, Make()).first;
  return it->second.get();
}

template <typename M>
void Family<M>::Remove(const std::vector<std::string>& values) {
  MutexLock lock(&mutex_);
  children_.erase(values);
}

template <typename M>
void Family<M>::ForEach(
    const std::function<void(const std::vector<std::string>&, const M&)>& fn) const {
  MutexLock lock(&mutex_);
  for (const auto& [values, child] : children_) fn(values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void* MetricsRegistry::Find(std::string_view name, MetricType type,
                            const std::vector<std::string>& labels) {
  if (!ValidName(name)) Misuse("invalid metric name", name);
  for (const std::string& label : labels) {
    if (!ValidName(label) || label == "le") Misuse("invalid label name", label);
  }
  for (const auto& [existing, entry] : order_) {
    if (existing != name) continue;
    if (entry.type != type) Misuse("declared again with another type", name);
    return entry.family;
  }
  return nullptr;
}

CounterFamily& MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                           std::vector<std::string> label_names) {
  if (!name.ends_with("_total")) Misuse("a counter's name must end in _total", name);
  MutexLock lock(&mutex_);
  if (void* found = Find(name, MetricType::kCounter, label_names)) {
    auto* family = static_cast<CounterFamily*>(found);
    if (family->label_names() != label_names) Misuse("declared again with other labels", name);
    return *family;
  }
  counters_.emplace_back(
      new CounterFamily(std::string(name), std::string(help), std::move(label_names), {}));
  CounterFamily& family = *counters_.back();
  if (family.label_names().empty()) family.With(std::vector<std::string>{});
  order_.push_back({std::string(name), Entry{MetricType::kCounter, &family}});
  return family;
}

GaugeFamily& MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names) {
  MutexLock lock(&mutex_);
  if (void* found = Find(name, MetricType::kGauge, label_names)) {
    auto* family = static_cast<GaugeFamily*>(found);
    if (family->label_names() != label_names) Misuse("declared again with other labels", name);
    return *family;
  }
  gauges_.emplace_back(
      new GaugeFamily(std::string(name), std::string(help), std::move(label_names), {}));
  GaugeFamily& family = *gauges_.back();
  if (family.label_names().empty()) family.With(std::vector<std::string>{});
  order_.push_back({std::string(name), Entry{MetricType::kGauge, &family}});
  return family;
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                               std::vector<std::string> label_names,
                                               std::span<const double> bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (i > 0 && !(bounds[i] > bounds[i - 1])) Misuse("bucket bounds must increase", name);
  }
  MutexLock lock(&mutex_);
  if (void* found = Find(name, MetricType::kHistogram, label_names)) {
    auto* family = static_cast<HistogramFamily*>(found);
    if (family->label_names() != label_names) Misuse("declared again with other labels", name);
    return *family;
  }
  histograms_.emplace_back(new HistogramFamily(std::string(name), std::string(help),
                                               std::move(label_names),
                                               std::vector<double>(bounds.begin(), bounds.end())));
  HistogramFamily& family = *histograms_.back();
  if (family.label_names().empty()) family.With(std::vector<std::string>{});
  order_.push_back({std::string(name), Entry{MetricType::kHistogram, &family}});
  return family;
}

void MetricsRegistry::AddCollector(std::function<void()> collector) {
  MutexLock lock(&mutex_);
  collectors_.push_back(std::move(collector));
}

}  // namespace fanout
