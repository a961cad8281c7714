#include "processor/delivery/backpressure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

class BackpressureTest : public ::testing::Test {
 protected:
  Backpressure::Decision Update() {
    std::size_t total = 0;
    for (const auto& [tp, n] : in_flight_) total += n;
    return backpressure_.Update(assigned_, total, bytes_, [this](const TopicPartition& tp) {
      auto it = in_flight_.find(tp);
      return it == in_flight_.end() ? std::size_t{0} : it->second;
    });
  }

  Backpressure backpressure_{/*max_total=*/100, /*max_per_partition=*/60,
                             /*max_total_bytes=*/1000};
  std::set<TopicPartition> assigned_{kP0, kP1};
  std::map<TopicPartition, std::size_t> in_flight_;
  std::size_t bytes_ = 0;
};

TEST_F(BackpressureTest, BytesOverTheirBoundPauseEveryPartitionUntilBelowHalf) {
  in_flight_[kP0] = 2;  // two large rows: far below the record bounds
  bytes_ = 1000;
  EXPECT_THAT(Update().pause, ElementsAre(kP0, kP1));
  bytes_ = 501;
  EXPECT_THAT(Update().resume, IsEmpty());
  bytes_ = 500;
  EXPECT_THAT(Update().resume, ElementsAre(kP0, kP1));
}

TEST_F(BackpressureTest, PartitionOverItsOwnBoundPausesAlone) {
  in_flight_[kP0] = 60;
  in_flight_[kP1] = 10;
  auto decision = Update();
  EXPECT_THAT(decision.pause, ElementsAre(kP0));
  EXPECT_TRUE(backpressure_.paused(kP0));
  EXPECT_FALSE(backpressure_.paused(kP1));
  EXPECT_THAT(Update().pause, IsEmpty()) << "paused twice";
}

TEST_F(BackpressureTest, TotalOverTheBoundPausesEveryPartition) {
  in_flight_[kP0] = 50;
  in_flight_[kP1] = 50;
  EXPECT_THAT(Update().pause, ElementsAre(kP0, kP1));
}

TEST_F(BackpressureTest, ResumesOnlyBelowHalfOfBothBounds) {
  in_flight_[kP0] = 60;
  in_flight_[kP1] = 40;
  EXPECT_THAT(Update().pause, ElementsAre(kP0, kP1));
  in_flight_[kP0] = 31;  // below its bound, not below half of it
  in_flight_[kP1] = 10;  // total 41: below half
  auto decision = Update();
  EXPECT_THAT(decision.resume, ElementsAre(kP1));
  in_flight_[kP0] = 30;
  EXPECT_THAT(Update().resume, ElementsAre(kP0));
  EXPECT_EQ(backpressure_.paused_count(), 0u);
}

TEST_F(BackpressureTest, ForgottenPartitionsStartUnpaused) {
  in_flight_[kP0] = 60;
  (void)Update();
  backpressure_.Forget({kP0});
  EXPECT_FALSE(backpressure_.paused(kP0));
}

}  // namespace
}  // namespace fanout
