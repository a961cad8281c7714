// Metrics: counters, gauges and histograms with bounded label sets, exposed in the Prometheus
// text format by the admin endpoint (observability/admin_server.h).
//
// How to use it, from any component (sinks included: this header depends on nothing of the
// pipeline nor on any third-party library):
//   1. At startup, declare a family once: `registry.AddCounter("fanout_x_total", "help",
//      {"route", "sink"})`. Declaring the same name again returns the same family (so that
//      several sinks of one type can share it); a different type or label set under a name
//      already taken is a programming error and aborts.
//   2. Resolve each child you will touch once (per route, sink, partition) and keep the pointer:
//      `Counter* c = family.With({"orders", "cache"})`. Children are never freed before the
//      registry, except through Remove() (for partitions that left the assignment): whoever
//      removes a child must not use its pointer afterwards.
//   3. On the hot path only call Inc/Set/Observe on the pointer: lock-free atomics, no
//      allocation, no string formatting.
//
// Label values must come from a bounded set (route, sink, topic, partition, outcome): never a
// record key, a value or anything else a change event brings in.
//
// Thread-safety: every method is thread-safe. Updates are relaxed atomics: a scrape sees each
// value whole, not a consistent cut across values.
#ifndef FANOUT_OBSERVABILITY_METRICS_H_
#define FANOUT_OBSERVABILITY_METRICS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/thread_annotations.h"

namespace fanout {

class Counter {
 public:
  void Inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative buckets with fixed upper bounds (in base units, e.g. seconds), plus +Inf.
class Histogram {
 public:
  // `bounds` strictly increasing, finite.
  explicit Histogram(std::span<const double> bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bound, then +Inf; not cumulative
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Bucket bounds for latencies, in seconds: 1 ms .. 60 s.
std::span<const double> LatencyBuckets();

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

// A metric name with its children, one per combination of label values.
template <typename M>
class Family {
 public:
  // The child for these label values (as many as the family's label names), created on first
  // use. The pointer stays valid until Remove() of the same values or the registry's end.
  M* With(std::initializer_list<std::string_view> values) {
    return With(std::vector<std::string>(values.begin(), values.end()));
  }
  M* With(const std::vector<std::string>& values) EXCLUDES(mutex_);
  void Remove(const std::vector<std::string>& values) EXCLUDES(mutex_);

  std::string_view name() const { return name_; }
  std::string_view help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls `fn(label values, child)` for each child in label order, under the family's lock.
  void ForEach(const std::function<void(const std::vector<std::string>&, const M&)>& fn) const
      EXCLUDES(mutex_);

 private:
  friend class MetricsRegistry;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}
  std::unique_ptr<M> Make() const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable Mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_ GUARDED_BY(mutex_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // A family without labels has its one child created at once, so it shows as 0 from the
  // start. Counter names end in `_total`; names and labels are [a-zA-Z_][a-zA-Z0-9_]*.
  CounterFamily& AddCounter(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names = {}) EXCLUDES(mutex_);
  GaugeFamily& AddGauge(std::string_view name, std::string_view help,
                        std::vector<std::string> label_names = {}) EXCLUDES(mutex_);
  HistogramFamily& AddHistogram(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names,
                                std::span<const double> bounds = LatencyBuckets()) EXCLUDES(mutex_);

  // Runs before every rendering (e.g. to read the process's memory use into a gauge). On the
  // scraping thread: it must only touch thread-safe things.
  void AddCollector(std::function<void()> collector) EXCLUDES(mutex_);

  // Every family in the Prometheus text exposition format 0.0.4, in declaration order.
  std::string RenderText() const EXCLUDES(mutex_);

 private:
  struct Entry {
    MetricType type;
    void* family;  // Family<Counter|Gauge|Histogram>, owned by the matching vector below
  };
  void* Find(std::string_view name, MetricType type, const std::vector<std::string>& labels)
      REQUIRES(mutex_);

  mutable Mutex mutex_;
  std::vector<std::pair<std::string, Entry>> order_ GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<CounterFamily>> counters_ GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<GaugeFamily>> gauges_ GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<HistogramFamily>> histograms_ GUARDED_BY(mutex_);
  std::vector<std::function<void()>> collectors_ GUARDED_BY(mutex_);
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_METRICS_H_
