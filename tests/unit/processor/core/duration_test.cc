#include "processor/core/duration.h"

#include <gtest/gtest.h>

namespace fanout {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(ParseDuration("250ms").value(), milliseconds(250));
  EXPECT_EQ(ParseDuration("3s").value(), milliseconds(3000));
  EXPECT_EQ(ParseDuration("2m").value(), milliseconds(120000));
  EXPECT_EQ(ParseDuration("1h").value(), milliseconds(3600000));
  EXPECT_EQ(ParseDuration("7d").value(), milliseconds(7LL * 24 * 3600000));
  EXPECT_EQ(ParseDuration("0s").value(), milliseconds(0));
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* text :
       {"", "10", "s", "-1s", "1.5s", "1 s", "1w", "1sec", "99999999999999999h"}) {
    Result<milliseconds> result = ParseDuration(text);
    EXPECT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(DurationTest, PositiveDurationsAreAboveZeroAndBounded) {
  EXPECT_EQ(ParsePositiveDuration("5s").value(), milliseconds(5000));
  EXPECT_EQ(ParsePositiveDuration("7d").value(), milliseconds(7LL * 24 * 3600000));
  EXPECT_FALSE(ParsePositiveDuration("0ms").ok());
  EXPECT_EQ(ParsePositiveDuration("2s", milliseconds(2000)).value(), milliseconds(2000));
  EXPECT_FALSE(ParsePositiveDuration("3s", milliseconds(2000)).ok());
  EXPECT_FALSE(ParsePositiveDuration("1x").ok());
}

}  // namespace
}  // namespace fanout
