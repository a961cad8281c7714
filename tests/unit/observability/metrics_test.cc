#include "observability/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(MetricsTest, CounterChildrenAreResolvedOnceAndCountedApart) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter("fanout_x_total", "Xs.", {"route", "sink"});
  Counter* a = family.With({"orders", "cache"});
  Counter* b = family.With({"orders", "search"});
  EXPECT_EQ(family.With({"orders", "cache"}), a);  // the same child, the same pointer
  a->Inc();
  a->Inc(4);
  b->Inc();
  EXPECT_EQ(a->value(), 5u);
  EXPECT_EQ(b->value(), 1u);
}

TEST(MetricsTest, DeclaringTheSameFamilyAgainReturnsIt) {
  MetricsRegistry registry;
  CounterFamily& first = registry.AddCounter("fanout_y_total", "Ys.", {"sink"});
  CounterFamily& again = registry.AddCounter("fanout_y_total", "Ys.", {"sink"});
  EXPECT_EQ(&first, &again);
}

TEST(MetricsDeathTest, MisuseAbortsAtDeclaration) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddCounter("fanout_no_suffix", "bad"), "_total");
  registry.AddGauge("fanout_g", "g", {"a"});
  EXPECT_DEATH(registry.AddGauge("fanout_g", "g", {"b"}), "other labels");
  EXPECT_DEATH(registry.AddCounter("fanout_g", "g"), "_total");
  EXPECT_DEATH(registry.AddGauge("fanout g", "g"), "invalid metric name");
  EXPECT_DEATH(registry.AddGauge("fanout_h", "h", {"le"}), "invalid label name");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfAndSum) {
  const std::vector<double> bounds = {0.1, 1, 10};
  Histogram histogram(bounds);
  histogram.Observe(0.05);
  histogram.Observe(0.1);  // on the bound: counted in it (le = less or equal)
  histogram.Observe(0.5);
  histogram.Observe(100);
  const Histogram::Snapshot s = histogram.Read();
  EXPECT_THAT(s.cumulative, ElementsAre(2u, 3u, 3u, 4u));
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 100.65);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry registry;
  Counter* counter = registry.AddCounter("fanout_c_total", "c").With({});
  Histogram* histogram = registry.AddHistogram("fanout_h_seconds", "h", {}).With({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        counter->Inc();
        histogram->Observe(0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter->value(), 400000u);
  EXPECT_EQ(histogram->Read().count, 400000u);
}

TEST(MetricsTest, RemovedChildrenDisappearFromTheExposition) {
  MetricsRegistry registry;
  GaugeFamily& lag = registry.AddGauge("fanout_lag", "lag", {"topic", "partition"});
  lag.With({"t", "0"})->Set(3);
  lag.With({"t", "1"})->Set(4);
  lag.Remove({"t", "0"});
  const std::string text = registry.RenderText();
  EXPECT_THAT(text, ::testing::Not(HasSubstr("partition=\"0\"")));
  EXPECT_THAT(text, HasSubstr("fanout_lag{topic=\"t\",partition=\"1\"} 4\n"));
}

TEST(MetricsTest, CollectorsRunBeforeEachRendering) {
  MetricsRegistry registry;
  Gauge* gauge = registry.AddGauge("fanout_scrapes", "s").With({});
  registry.AddCollector([gauge] { gauge->Add(1); });
  (void)registry.RenderText();
  EXPECT_THAT(registry.RenderText(), HasSubstr("fanout_scrapes 2\n"));
}

}  // namespace
}  // namespace fanout
