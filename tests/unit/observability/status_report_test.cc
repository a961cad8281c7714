#include "observability/status_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observability/metrics.h"
#include "observability/pipeline_metrics.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;

std::vector<MetricSample> Scrape(MetricsRegistry& registry) {
  Result<std::vector<MetricSample>> samples = ParseMetricsText(registry.RenderText());
  EXPECT_TRUE(samples.ok()) << samples.status().ToString();
  return samples.ok() ? *samples : std::vector<MetricSample>{};
}

TEST(StatusReportTest, ParsesSamplesWithLabelsAndSpecialValues) {
  Result<std::vector<MetricSample>> samples = ParseMetricsText(
      "# HELP x X.\n# TYPE x gauge\nx 1\ny{a=\"1\",b=\"two\"} +Inf\nz_bucket{le=\"0.5\"} 3 "
      "1700000000000\n");
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 3u);
  EXPECT_EQ((*samples)[1].labels.at("b"), "two");
  EXPECT_GT((*samples)[1].value, 1e300);
  EXPECT_EQ((*samples)[2].value, 3);
  EXPECT_FALSE(ParseMetricsText("x{a=\"1\" 2\n").ok());
  EXPECT_FALSE(ParseMetricsText("x notanumber\n").ok());
}

TEST(StatusReportTest, ShowsARowPerRouteWithRateErrorsDeadLettersLagAndPause) {
  MetricsRegistry registry;
  PipelineMetrics metrics(registry);
  RouteSinkMetrics items = metrics.ForRouteSink("items-http", "svc");
  PartitionMetrics partition = metrics.ForPartition("db.public.items", 0);
  metrics.SinkUp("svc")->Set(1);
  metrics.Routed("items-http")->Inc(10);
  StatusInput input;
  input.address = "127.0.0.1:9464";
  input.before = Scrape(registry);
  metrics.Routed("items-http")->Inc(20);  // 20 in 2 s: 10/s
  items.applied->Inc(25);
  items.unavailable->Inc(4);
  metrics.DeadLetters("items-http", "svc")->Inc(2);
  partition.lag_seconds->Set(12.5);
  metrics.partitions_paused->Set(1);
  metrics.SinkUp("svc")->Set(0);
  input.after = Scrape(registry);
  input.interval_seconds = 2;
  input.ready = false;
  input.reasons = {"sink 'svc' is unavailable"};
  const std::string text = RenderStatus(input);
  EXPECT_THAT(text,
              HasSubstr("fanout at 127.0.0.1:9464: NOT READY\n  - sink 'svc' is unavailable"));
  EXPECT_THAT(text, HasSubstr("lag max 12.5 s"));
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        "items-http +svc +10.0 +25 +4 +0 +2 +12.5 +- +yes \\(sink down\\)"));
}

// FRESH p99 s is the p99 of what the sink acknowledged between the two scrapes, interpolated in
// its bucket: what was observed before the first scrape does not count.
TEST(StatusReportTest, ShowsTheFreshnessP99BetweenTheScrapes) {
  MetricsRegistry registry;
  PipelineMetrics metrics(registry);
  RouteSinkMetrics items = metrics.ForRouteSink("items-redis", "cache");
  metrics.Routed("items-redis")->Inc(1);
  for (int i = 0; i < 50; ++i) items.source_to_applied->Observe(40);  // before: ignored
  StatusInput input;
  input.before = Scrape(registry);
  // 100 observations in (0.1, 0.25]: the p99 lies 99% of the way through that bucket.
  for (int i = 0; i < 100; ++i) items.source_to_applied->Observe(0.2);
  input.after = Scrape(registry);
  EXPECT_THAT(RenderStatus(input),
              ::testing::ContainsRegex("items-redis +cache .* 0\\.24[89] +no"));

  input.before = input.after;  // nothing acknowledged in between
  EXPECT_THAT(RenderStatus(input), ::testing::ContainsRegex("items-redis +cache .* - +no"));
}

}  // namespace
}  // namespace fanout
