#include "sinks/postgres/processed_offsets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::HasSubstr;

TEST(ProcessedOffsetsSqlTest, TablesAndMigration) {
  ProcessedOffsetsSql sql("ops.offsets");
  EXPECT_EQ(sql.offsets_table(), "\"ops\".\"offsets\"");
  EXPECT_EQ(sql.rejected_table(), "\"ops\".\"offsets_rejected\"");
  const std::vector<std::string> migrate = sql.Migrate();
  ASSERT_EQ(migrate.size(), 5u);
  EXPECT_THAT(migrate[0], HasSubstr("pg_advisory_xact_lock"));
  EXPECT_THAT(migrate[1], HasSubstr("\"ops\".\"fanout_migrations\""));
  EXPECT_THAT(migrate[2], HasSubstr("PRIMARY KEY (consumer_group, route, topic, \"partition\")"));
  EXPECT_THAT(migrate[4], HasSubstr("'processed_offsets:ops.offsets', 1"));
  EXPECT_THAT(sql.Advance(), HasSubstr("GREATEST(next_offset, $5::bigint)"));
  EXPECT_THAT(sql.Claim(), HasSubstr("CASE WHEN next_offset > $5::bigint THEN 0 ELSE 1 END"));
}

TEST(ProcessedOffsetsViewTest, AppliedBelowNextOffsetOnly) {
  ProcessedOffsetsView view;
  EXPECT_FALSE(view.Applied("r", "t", 0, 0));
  view.Set("r", "t", 0, 10);
  view.Set("r", "t", 0, 5);  // never moves back
  EXPECT_TRUE(view.Applied("r", "t", 0, 9));
  EXPECT_FALSE(view.Applied("r", "t", 0, 10));
  EXPECT_FALSE(view.Applied("other", "t", 0, 3)) << "offsets are per route";
  EXPECT_FALSE(view.Applied("r", "t", 1, 3));
  view.AddRejected("r", "t", 0, 4);
  EXPECT_FALSE(view.Applied("r", "t", 0, 4)) << "a rejected record is sent again";
  view.Forget("t", 0);
  EXPECT_FALSE(view.Applied("r", "t", 0, 9));
}

}  // namespace
}  // namespace fanout
