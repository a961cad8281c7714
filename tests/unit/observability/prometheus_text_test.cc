// The exposition format, byte for byte (the integration test also runs promtool on it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observability/metrics.h"
#include "observability/pipeline_metrics.h"
#include "observability/status_report.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;

TEST(PrometheusTextTest, RendersHelpTypeAndSamples) {
  MetricsRegistry registry;
  registry.AddCounter("fanout_events_total", "Events seen.").With({})->Inc(3);
  registry.AddGauge("fanout_lag_seconds", "Lag.", {"topic", "partition"})
      .With({"db.public.items", "0"})
      ->Set(1.5);
  const std::vector<double> bounds = {0.5, 1};
  Histogram* h =
      registry.AddHistogram("fanout_wait_seconds", "Wait.", {"sink"}, bounds).With({"svc"});
  h->Observe(0.25);
  h->Observe(2);
  EXPECT_EQ(registry.RenderText(),
            "# HELP fanout_events_total Events seen.\n"
            "# TYPE fanout_events_total counter\n"
            "fanout_events_total 3\n"
            "# HELP fanout_lag_seconds Lag.\n"
            "# TYPE fanout_lag_seconds gauge\n"
            "fanout_lag_seconds{topic=\"db.public.items\",partition=\"0\"} 1.5\n"
            "# HELP fanout_wait_seconds Wait.\n"
            "# TYPE fanout_wait_seconds histogram\n"
            "fanout_wait_seconds_bucket{sink=\"svc\",le=\"0.5\"} 1\n"
            "fanout_wait_seconds_bucket{sink=\"svc\",le=\"1\"} 1\n"
            "fanout_wait_seconds_bucket{sink=\"svc\",le=\"+Inf\"} 2\n"
            "fanout_wait_seconds_sum{sink=\"svc\"} 2.25\n"
            "fanout_wait_seconds_count{sink=\"svc\"} 2\n");
}

TEST(PrometheusTextTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry.AddGauge("fanout_g", "Back\\slash and\nnewline.", {"route"})
      .With({"a \"quoted\" \\ route\n"})
      ->Set(1);
  const std::string text = registry.RenderText();
  EXPECT_THAT(text, HasSubstr("# HELP fanout_g Back\\\\slash and\\nnewline.\n"));
  EXPECT_THAT(text, HasSubstr("fanout_g{route=\"a \\\"quoted\\\" \\\\ route\\n\"} 1\n"));
  // What we render, our own parser (fanout status) reads back.
  Result<std::vector<MetricSample>> parsed = ParseMetricsText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->front().labels.at("route"), "a \"quoted\" \\ route\n");
}

TEST(PrometheusTextTest, PipelineMetricsFollowTheNamingConventions) {
  MetricsRegistry registry;
  PipelineMetrics metrics(registry);
  (void)metrics.ForRouteSink("r", "s");
  (void)metrics.ForPartition("t", 0);
  (void)metrics.SinkRequest("s");
  Result<std::vector<MetricSample>> parsed = ParseMetricsText(registry.RenderText());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_FALSE(parsed->empty());
  for (const MetricSample& sample : *parsed) {
    EXPECT_EQ(sample.name.rfind("fanout_", 0), 0u) << sample.name;
    for (const auto& [label, value] : sample.labels) {
      EXPECT_THAT((std::vector<std::string>{"route", "sink", "outcome", "topic", "partition",
                                            "kind", "le"}),
                  ::testing::Contains(label))
          << sample.name << " has an unexpected label " << label;
    }
  }
}

}  // namespace
}  // namespace fanout
