#include "observability/log_rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using Clock = LogRateLimiter::Clock;

TEST(LogRateLimiterTest, MessagesAlikeButForNumbersShareOneKey) {
  EXPECT_EQ(LogRateLimiter::KeyOf("route 'r': t[3]@1234 dead-lettered"),
            "route 'r': t[#]@# dead-lettered");
  EXPECT_EQ(LogRateLimiter::KeyOf("route 'r': t[3]@1234 dead-lettered"),
            LogRateLimiter::KeyOf("route 'r': t[0]@99 dead-lettered"));
  EXPECT_NE(LogRateLimiter::KeyOf("route 'a' failed"), LogRateLimiter::KeyOf("route 'b' failed"));
}

TEST(LogRateLimiterTest, PassesABurstPerWindowThenCountsAndReports) {
  LogRateLimiter limiter(3, std::chrono::seconds(10));
  std::vector<LogRateLimiter::Suppressed> reports;
  const auto t0 = Clock::now();
  int passed = 0;
  for (int i = 0; i < 10; ++i) {
    passed += limiter.Allow("offset " + std::to_string(i) + " failed", t0, &reports) ? 1 : 0;
  }
  EXPECT_EQ(passed, 3);
  EXPECT_TRUE(reports.empty());
  EXPECT_TRUE(limiter.Allow("something else", t0, &reports));  // other kinds are not held
  // After the window the first alike message passes, and the held ones are reported.
  EXPECT_TRUE(limiter.Allow("offset 11 failed", t0 + std::chrono::seconds(11), &reports));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].count, 7u);
  EXPECT_EQ(reports[0].sample, "offset 3 failed");
}

TEST(LogRateLimiterTest, ExpiredReportsWithoutANewMessage) {
  LogRateLimiter limiter(1, std::chrono::seconds(1));
  std::vector<LogRateLimiter::Suppressed> reports;
  const auto t0 = Clock::now();
  EXPECT_TRUE(limiter.Allow("x 1", t0, &reports));
  EXPECT_FALSE(limiter.Allow("x 2", t0, &reports));
  limiter.Expired(t0 + std::chrono::seconds(2), &reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].count, 1u);
}

TEST(LogRateLimiterTest, ZeroBurstDisablesTheLimit) {
  LogRateLimiter limiter(0, std::chrono::seconds(10));
  std::vector<LogRateLimiter::Suppressed> reports;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Allow("same", Clock::now(), &reports));
}

}  // namespace
}  // namespace fanout
