#include "processor/delivery/retry_policy.h"

#include <gtest/gtest.h>

#include <set>

namespace fanout {
namespace {

using std::chrono::milliseconds;
using Clock = RetryState::Clock;

TEST(RetryPolicyTest, BackoffGrowsExponentiallyWithinJitterBoundsUpToTheMaximum) {
  RetryPolicy policy{.max_attempts = 100,
                     .initial_backoff = milliseconds(100),
                     .max_backoff = milliseconds(1000),
                     .max_elapsed = std::chrono::hours(1)};
  RetryState state(policy);
  std::mt19937_64 random(42);
  const Clock::time_point t0{};
  const std::int64_t expected_ceiling[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (std::int64_t ceiling : expected_ceiling) {
    std::optional<milliseconds> wait = state.OnFailure(t0, random);
    ASSERT_TRUE(wait.has_value());
    EXPECT_GE(wait->count(), ceiling / 2);
    EXPECT_LE(wait->count(), ceiling);
  }
  EXPECT_EQ(state.attempts(), 7);
}

TEST(RetryPolicyTest, JitteredBackoffOfTheNthFailureInARow) {
  const RetryPolicy policy{.initial_backoff = milliseconds(100), .max_backoff = milliseconds(1000)};
  std::mt19937_64 random(7);
  const std::int64_t expected_ceiling[] = {100, 200, 400, 800, 1000, 1000};
  for (int failures = 1; failures <= 6; ++failures) {
    for (int draw = 0; draw < 20; ++draw) {
      const milliseconds wait = JitteredBackoff(policy, failures, random);
      EXPECT_GE(wait.count(), expected_ceiling[failures - 1] / 2) << failures;
      EXPECT_LE(wait.count(), expected_ceiling[failures - 1]) << failures;
    }
  }
  // Far beyond the ceiling's doubling, without overflow.
  EXPECT_LE(JitteredBackoff(policy, 1000000, random).count(), 1000);
  EXPECT_GE(JitteredBackoff(policy, 1000000, random).count(), 500);
}

TEST(RetryPolicyTest, JitterSpreadsTheWaits) {
  RetryPolicy policy{.max_attempts = 100,
                     .initial_backoff = milliseconds(1000),
                     .max_backoff = milliseconds(1000)};
  std::mt19937_64 random(7);
  std::set<std::int64_t> waits;
  for (int i = 0; i < 20; ++i) {
    RetryState state(policy);
    waits.insert(state.OnFailure(Clock::time_point{}, random)->count());
  }
  EXPECT_GT(waits.size(), 10u) << "twenty actions must not retry in lockstep";
}

TEST(RetryPolicyTest, ExhaustedAfterMaxAttempts) {
  RetryPolicy policy{.max_attempts = 3};
  RetryState state(policy);
  std::mt19937_64 random(1);
  EXPECT_TRUE(state.OnFailure(Clock::time_point{}, random).has_value());
  EXPECT_TRUE(state.OnFailure(Clock::time_point{}, random).has_value());
  EXPECT_FALSE(state.OnFailure(Clock::time_point{}, random).has_value())
      << "the third attempt was the last";
  EXPECT_EQ(state.attempts(), 3);
}

TEST(RetryPolicyTest, ExhaustedAfterMaxElapsedSinceTheFirstFailure) {
  RetryPolicy policy{.max_attempts = 1000, .max_elapsed = std::chrono::seconds(10)};
  RetryState state(policy);
  std::mt19937_64 random(1);
  const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(state.OnFailure(t0, random).has_value());
  EXPECT_TRUE(state.OnFailure(t0 + std::chrono::seconds(9), random).has_value());
  EXPECT_FALSE(state.OnFailure(t0 + std::chrono::seconds(10), random).has_value());
  EXPECT_EQ(state.first_failure(), t0);
}

TEST(RetryPolicyTest, BlockNeverExhausts) {
  RetryPolicy policy{.max_attempts = 2,
                     .max_backoff = milliseconds(500),
                     .max_elapsed = std::chrono::seconds(1),
                     .on_exhausted = OnExhaustedAction::kBlock};
  RetryState state(policy);
  std::mt19937_64 random(1);
  for (int i = 0; i < 50; ++i) {
    std::optional<milliseconds> wait =
        state.OnFailure(Clock::time_point{} + std::chrono::seconds(i), random);
    ASSERT_TRUE(wait.has_value()) << i;
    EXPECT_LE(wait->count(), 500);
  }
}

}  // namespace
}  // namespace fanout
