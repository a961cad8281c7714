#include "processor/delivery/held_outputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

class HeldOutputsTest : public ::testing::Test {
 protected:
  HeldOutputs::Writer Recorder() {
    return [this](const OutgoingRecord& record) {
      written_.push_back(record.value.value_or("") + "@" + std::string(record.origin->topic));
      return Status();
    };
  }
  std::vector<std::string> written_;
};

TEST_F(HeldOutputsTest, ReleasesOnlyWhatTheCommitCoversInOffsetOrder) {
  HeldOutputs held;
  OutgoingRecord record;
  record.topic = "dlq";
  const std::string origin = "source-topic-with-a-name-longer-than-sso";
  {
    std::string temporary = origin;
    record.origin = RecordOrigin{temporary, 0, 7};
    record.value = "seven";
    held.Hold(kP0, 7, record);
    record.value = "three";
    held.Hold(kP0, 3, record);
    record.value = "one-on-p1";
    held.Hold(kP1, 1, record);
    temporary.assign(temporary.size(), 'x');  // the held copies must not point here
  }
  EXPECT_EQ(held.size(), 3u);
  ASSERT_TRUE(held.Release({PartitionOffset{kP0, 7, ""}}, Recorder()).ok());
  EXPECT_THAT(written_, ElementsAre("three@" + origin)) << "7 is not committed by offset 7";
  ASSERT_TRUE(
      held.Release({PartitionOffset{kP0, 8, ""}, PartitionOffset{kP1, 1, ""}}, Recorder()).ok());
  EXPECT_THAT(written_, ElementsAre("three@" + origin, "seven@" + origin));
  EXPECT_EQ(held.size(), 1u);
}

TEST_F(HeldOutputsTest, AFailedWriteKeepsTheRestHeld) {
  HeldOutputs held;
  OutgoingRecord record;
  record.value = "a";
  held.Hold(kP0, 0, record);
  record.value = "b";
  held.Hold(kP0, 1, record);
  int calls = 0;
  Status status = held.Release({PartitionOffset{kP0, 2, ""}}, [&](const OutgoingRecord&) {
    return ++calls == 1 ? Status(StatusCode::kAborted, "txn") : Status();
  });
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_EQ(held.size(), 2u);
}

TEST_F(HeldOutputsTest, DropForgetsThePartitionsOrEverything) {
  HeldOutputs held;
  OutgoingRecord record;
  held.Hold(kP0, 0, record);
  held.Hold(kP1, 0, record);
  const std::vector<TopicPartition> p0{kP0};
  held.Drop(&p0);
  EXPECT_EQ(held.size(), 1u);
  held.Drop(nullptr);
  EXPECT_EQ(held.size(), 0u);
  ASSERT_TRUE(held.Release({PartitionOffset{kP1, 5, ""}}, Recorder()).ok());
  EXPECT_THAT(written_, IsEmpty());
}

}  // namespace
}  // namespace fanout
