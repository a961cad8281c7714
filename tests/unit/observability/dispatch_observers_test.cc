#include "observability/dispatch_observers.h"

#include <gtest/gtest.h>

#include "observability/metrics.h"
#include "observability/pipeline_metrics.h"
#include "processor/core/wall_clock.h"

namespace fanout {
namespace {

class RouteSinkCountersTest : public ::testing::Test {
 protected:
  MetricsRegistry registry_;
  PipelineMetrics metrics_{registry_};
  RouteSinkMetrics items_ = metrics_.ForRouteSink("items-redis", "cache");
  RouteSinkCounters counters_{items_};
};

// The freshness of an acknowledged change: from its source commit and from its Kafka record
// timestamp to now, and the newest acknowledged source commit as a gauge in Unix seconds.
TEST_F(RouteSinkCountersTest, AnAcknowledgedChangeIsMeasuredFromTheSourceAndFromKafka) {
  const std::int64_t now_ms = WallClockMs();
  counters_.OnOutcome(ActionOutcome::kApplied, ChangeTimes{now_ms - 2000, now_ms - 500});

  const Histogram::Snapshot source = items_.source_to_applied->Read();
  ASSERT_EQ(source.count, 1u);
  EXPECT_GE(source.sum, 2.0);
  EXPECT_LT(source.sum, 60.0);
  const Histogram::Snapshot kafka = items_.kafka_to_applied->Read();
  ASSERT_EQ(kafka.count, 1u);
  EXPECT_GE(kafka.sum, 0.5);
  EXPECT_LT(kafka.sum, source.sum);
  EXPECT_DOUBLE_EQ(items_.applied_source_timestamp->value(),
                   static_cast<double>(now_ms - 2000) / 1000.0);
  EXPECT_EQ(items_.applied->value(), 1u);
}

// Already applied moves the staleness gauge (the sink holds the change) but is not freshness:
// it is a replay of a change measured when it was applied, and after a crash its old
// timestamps would count the outage.
TEST_F(RouteSinkCountersTest, AlreadyAppliedMovesTheGaugeButIsNotFreshness) {
  const std::int64_t now_ms = WallClockMs();
  counters_.OnOutcome(ActionOutcome::kAlreadyApplied, ChangeTimes{now_ms - 60000, now_ms - 60000});
  EXPECT_EQ(items_.source_to_applied->Read().count, 0u);
  EXPECT_EQ(items_.kafka_to_applied->Read().count, 0u);
  EXPECT_DOUBLE_EQ(items_.applied_source_timestamp->value(),
                   static_cast<double>(now_ms - 60000) / 1000.0);
  EXPECT_EQ(items_.already_applied->value(), 1u);
  EXPECT_EQ(items_.applied->value(), 0u);
}

// A replay of an older change after a newer one was applied leaves the gauge at the newer one.
TEST_F(RouteSinkCountersTest, AnOlderAlreadyAppliedChangeDoesNotMoveTheGaugeBack) {
  const std::int64_t now_ms = WallClockMs();
  counters_.OnOutcome(ActionOutcome::kApplied, ChangeTimes{now_ms - 1000, now_ms - 900});
  counters_.OnOutcome(ActionOutcome::kAlreadyApplied, ChangeTimes{now_ms - 90000, now_ms - 90000});
  EXPECT_DOUBLE_EQ(items_.applied_source_timestamp->value(),
                   static_cast<double>(now_ms - 1000) / 1000.0);
  EXPECT_EQ(items_.source_to_applied->Read().count, 1u);
  EXPECT_EQ(items_.kafka_to_applied->Read().count, 1u);
}

// Lanes acknowledge out of order across keys: the gauge keeps the newest commit, and a change
// with no source time (0) or no Kafka time (-1) is not measured from it.
TEST_F(RouteSinkCountersTest, TheGaugeOnlyMovesForwardAndUnknownTimesAreNotMeasured) {
  const std::int64_t now_ms = WallClockMs();
  counters_.OnOutcome(ActionOutcome::kApplied, ChangeTimes{now_ms - 1000, -1});
  counters_.OnOutcome(ActionOutcome::kApplied, ChangeTimes{now_ms - 5000, -1});
  counters_.OnOutcome(ActionOutcome::kApplied, ChangeTimes{0, now_ms - 10});
  EXPECT_DOUBLE_EQ(items_.applied_source_timestamp->value(),
                   static_cast<double>(now_ms - 1000) / 1000.0);
  EXPECT_EQ(items_.source_to_applied->Read().count, 2u);
  EXPECT_EQ(items_.kafka_to_applied->Read().count, 1u);
  EXPECT_EQ(items_.applied->value(), 3u);
}

// Failed attempts are counted, never measured as freshness.
TEST_F(RouteSinkCountersTest, FailedAttemptsAreNotFreshness) {
  const std::int64_t now_ms = WallClockMs();
  counters_.OnOutcome(ActionOutcome::kRetry, ChangeTimes{now_ms - 1000, now_ms - 1000});
  counters_.OnOutcome(ActionOutcome::kUnavailable, ChangeTimes{now_ms - 1000, now_ms - 1000});
  EXPECT_EQ(items_.source_to_applied->Read().count, 0u);
  EXPECT_EQ(items_.kafka_to_applied->Read().count, 0u);
  EXPECT_EQ(items_.applied_source_timestamp->value(), 0);
  EXPECT_EQ(items_.retried->value(), 1u);
  EXPECT_EQ(items_.unavailable->value(), 1u);
}

}  // namespace
}  // namespace fanout
