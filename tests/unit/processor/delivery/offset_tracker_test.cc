#include "processor/delivery/offset_tracker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

TEST(OffsetTrackerTest, CommitsOnlyTheContiguousCompletedPrefix) {
  OffsetTracker tracker;
  for (std::int64_t o : {10, 11, 12, 13}) ASSERT_TRUE(tracker.Track(kP0, o).ok());
  ASSERT_TRUE(tracker.Complete(kP0, 11).ok());
  ASSERT_TRUE(tracker.Complete(kP0, 13).ok());
  EXPECT_THAT(tracker.TakeCommittable(), IsEmpty()) << "10 is a hole: nothing may be committed";
  ASSERT_TRUE(tracker.Complete(kP0, 10).ok());
  EXPECT_THAT(tracker.TakeCommittable(), ElementsAre(PartitionOffset{kP0, 12}));
  ASSERT_TRUE(tracker.Complete(kP0, 12).ok());
  EXPECT_THAT(tracker.TakeCommittable(), ElementsAre(PartitionOffset{kP0, 14}));
  EXPECT_EQ(tracker.in_flight(), 0u);
}

TEST(OffsetTrackerTest, ReportsEachAdvanceOnce) {
  OffsetTracker tracker;
  ASSERT_TRUE(tracker.Track(kP0, 0).ok());
  ASSERT_TRUE(tracker.Complete(kP0, 0).ok());
  EXPECT_THAT(tracker.TakeCommittable(), ElementsAre(PartitionOffset{kP0, 1}));
  EXPECT_THAT(tracker.TakeCommittable(), IsEmpty());
}

TEST(OffsetTrackerTest, PartitionsAreIndependent) {
  OffsetTracker tracker;
  ASSERT_TRUE(tracker.Track(kP0, 5).ok());
  ASSERT_TRUE(tracker.Track(kP1, 7).ok());
  ASSERT_TRUE(tracker.Complete(kP1, 7).ok());
  EXPECT_THAT(tracker.TakeCommittable(), ElementsAre(PartitionOffset{kP1, 8}));
  EXPECT_EQ(tracker.in_flight(), 1u);
}

TEST(OffsetTrackerTest, GapsInOffsetsAreFine) {
  OffsetTracker tracker;  // compaction and transaction markers leave gaps
  ASSERT_TRUE(tracker.Track(kP0, 3).ok());
  ASSERT_TRUE(tracker.Track(kP0, 9).ok());
  ASSERT_TRUE(tracker.Complete(kP0, 3).ok());
  ASSERT_TRUE(tracker.Complete(kP0, 9).ok());
  EXPECT_THAT(tracker.TakeCommittable(), ElementsAre(PartitionOffset{kP0, 10}));
}

TEST(OffsetTrackerTest, RejectsOutOfOrderAndUnknownOffsets) {
  OffsetTracker tracker;
  ASSERT_TRUE(tracker.Track(kP0, 5).ok());
  EXPECT_EQ(tracker.Track(kP0, 5).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(tracker.Track(kP0, 4).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(tracker.Complete(kP0, 6).code(), StatusCode::kNotFound);
  EXPECT_EQ(tracker.Complete(kP1, 5).code(), StatusCode::kNotFound);
  ASSERT_TRUE(tracker.Complete(kP0, 5).ok());
  EXPECT_EQ(tracker.Complete(kP0, 5).code(), StatusCode::kNotFound) << "completed twice";
}

TEST(OffsetTrackerTest, DropReturnsUnreportedProgressAndForgetsThePartition) {
  OffsetTracker tracker;
  ASSERT_TRUE(tracker.Track(kP0, 1).ok());
  ASSERT_TRUE(tracker.Track(kP0, 2).ok());
  ASSERT_TRUE(tracker.Complete(kP0, 1).ok());
  EXPECT_THAT(tracker.Drop({kP0}), ElementsAre(PartitionOffset{kP0, 2}));
  EXPECT_EQ(tracker.in_flight(), 0u);
  EXPECT_THAT(tracker.TakeCommittable(), IsEmpty());
  EXPECT_EQ(tracker.Complete(kP0, 2).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace fanout
