#include "processor/delivery/kafka_output_marks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

std::int64_t NoPosition(const TopicPartition&) { return -1; }

TEST(KafkaOutputMarksTest, MetadataRoundTripsAndForeignMetadataIsIgnored) {
  EXPECT_EQ(KafkaOutputMarks::Decode(KafkaOutputMarks::Encode(12345)), 12345);
  EXPECT_EQ(KafkaOutputMarks::Decode(""), -1);
  EXPECT_EQ(KafkaOutputMarks::Decode("someone else's"), -1);
  EXPECT_EQ(KafkaOutputMarks::Decode(KafkaOutputMarks::Encode(7) + "x"), -1);
  EXPECT_EQ(KafkaOutputMarks::Decode("fanout/1 kafka-outputs-through=-3"), -1);
  EXPECT_EQ(KafkaOutputMarks::Decode("fanout/1 other=1 kafka-outputs-through=9 more=x"), 9)
      << "beside other fields";
}

TEST(KafkaOutputMarksTest, RecordsBelowTheCommittedMarkHaveTheirOutputsCommitted) {
  KafkaOutputMarks marks;
  marks.Assigned(PartitionOffset{kP0, 10, KafkaOutputMarks::Encode(15)});
  marks.Assigned(PartitionOffset{kP1, 3, "not ours"});
  EXPECT_TRUE(marks.OutputsCommitted(kP0, 10));
  EXPECT_TRUE(marks.OutputsCommitted(kP0, 14));
  EXPECT_FALSE(marks.OutputsCommitted(kP0, 15));
  EXPECT_TRUE(marks.OutputsCommitted(kP1, 2)) << "below the committed offset itself";
  EXPECT_FALSE(marks.OutputsCommitted(kP1, 3));
}

TEST(KafkaOutputMarksTest, AnnotateNamesHandledRecordsAboveTheOffset) {
  KafkaOutputMarks marks;
  marks.Assigned(PartitionOffset{kP0, 0, ""});
  marks.Assigned(PartitionOffset{kP1, 0, ""});
  marks.Handled(kP0, 0);
  marks.Handled(kP0, 1);
  marks.Handled(kP1, 0);
  std::vector<PartitionOffset> offsets{{kP0, 1, ""}};  // 1 is still in flight on t[0]
  marks.Annotate(&offsets, [](const TopicPartition&) -> std::int64_t { return 0; });
  EXPECT_THAT(offsets, ElementsAre(PartitionOffset{kP0, 1, KafkaOutputMarks::Encode(2)},
                                   PartitionOffset{kP1, 0, KafkaOutputMarks::Encode(1)}))
      << "t[1]'s mark moved without its offset: it is committed at its position";
  marks.Committed(offsets);
  std::vector<PartitionOffset> next;
  marks.Annotate(&next, NoPosition);
  EXPECT_THAT(next, IsEmpty()) << "nothing new since";
  next = {{kP0, 2, ""}};
  marks.Annotate(&next, NoPosition);
  EXPECT_THAT(next, ElementsAre(PartitionOffset{kP0, 2, ""})) << "the mark is not above it";
}

TEST(KafkaOutputMarksTest, AnAbortFallsBackToTheCommittedMark) {
  KafkaOutputMarks marks;
  marks.Assigned(PartitionOffset{kP0, 0, KafkaOutputMarks::Encode(2)});
  marks.Handled(kP0, 5);
  marks.Aborted();
  std::vector<PartitionOffset> offsets{{kP0, 1, ""}};
  marks.Annotate(&offsets, NoPosition);
  EXPECT_THAT(offsets, ElementsAre(PartitionOffset{kP0, 1, KafkaOutputMarks::Encode(2)}))
      << "the committed mark is kept on a commit below it";
  EXPECT_FALSE(marks.OutputsCommitted(kP0, 3));
}

TEST(KafkaOutputMarksTest, ForgottenPartitionsAreNotCommitted) {
  KafkaOutputMarks marks;
  marks.Assigned(PartitionOffset{kP0, 0, ""});
  marks.Handled(kP0, 0);
  marks.Forget({kP0});
  std::vector<PartitionOffset> offsets;
  marks.Annotate(&offsets, [](const TopicPartition&) -> std::int64_t { return 0; });
  EXPECT_THAT(offsets, IsEmpty());
}

}  // namespace
}  // namespace fanout
