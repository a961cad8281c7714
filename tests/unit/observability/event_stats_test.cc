#include "observability/event_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "observability/metrics.h"
#include "observability/pipeline_metrics.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;

ChangeEvent Change(std::string schema, std::string table, Op op) {
  ChangeEvent event;
  event.schema = std::move(schema);
  event.table = std::move(table);
  event.op = op;
  return event;
}

TEST(EventStatsTest, CountsPerQualifiedTableAndOp) {
  EventStats stats;
  stats.RecordEvent(Change("public", "customers", Op::kCreate));
  stats.RecordEvent(Change("public", "customers", Op::kUpdate));
  stats.RecordEvent(Change("public", "customers", Op::kUpdate));
  stats.RecordEvent(Change("inventory_schema", "order_items", Op::kDelete));
  ChangeEvent tombstone;
  tombstone.kind = RecordKind::kTombstone;
  stats.RecordEvent(tombstone);
  EXPECT_EQ(stats.total(), 5);
  EXPECT_EQ(stats.count("public.customers", Op::kCreate), 1);
  EXPECT_EQ(stats.count("public.customers", Op::kUpdate), 2);
  EXPECT_EQ(stats.count("inventory_schema.order_items", Op::kDelete), 1);
  EXPECT_EQ(stats.count("public.customers", Op::kDelete), 0);
  EXPECT_EQ(stats.count("public.orders", Op::kCreate), 0);
  EXPECT_THAT(stats.Summary(), HasSubstr("public.customers c=1 u=2"));
  EXPECT_THAT(stats.Summary(), HasSubstr("tombstones=1"));
}

TEST(EventStatsTest, ReportsRoutesUnmatchedAndDeadLetters) {
  EventStats stats;
  stats.RecordRouted("cache");
  stats.RecordRouted("cache");
  stats.RecordRouteError("cache");
  stats.RecordUnmatched();
  stats.RecordDeadLetter({}, {});
  EXPECT_EQ(stats.routed("cache"), 2);
  EXPECT_EQ(stats.route_errors("cache"), 1);
  EXPECT_EQ(stats.routed("search"), 0);
  EXPECT_THAT(stats.ProgressLine(0),
              HasSubstr("routes: cache=2 (1 bad) unmatched=1 | dead_letters=1"));
}

TEST(EventStatsTest, KafkaRouteRecordsCountAsAppliedForTheirRouteAndSink) {
  MetricsRegistry registry;
  PipelineMetrics metrics(registry);
  EventStats stats;
  stats.AttachMetrics(&metrics);
  stats.RecordProduced("mirror", "events");
  stats.RecordProduced("mirror", "events");
  stats.RecordProduced("audit", "events");
  EXPECT_EQ(metrics.ForRouteSink("mirror", "events").applied->value(), 2u);
  EXPECT_EQ(metrics.ForRouteSink("audit", "events").applied->value(), 1u);
}

}  // namespace
}  // namespace fanout
