#include "config/duration.h"

#include <gtest/gtest.h>

namespace fanout::config {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(ParseDuration("250ms").value(), milliseconds(250));
  EXPECT_EQ(ParseDuration("3s").value(), milliseconds(3000));
  EXPECT_EQ(ParseDuration("2m").value(), milliseconds(120000));
  EXPECT_EQ(ParseDuration("1h").value(), milliseconds(3600000));
  EXPECT_EQ(ParseDuration("0s").value(), milliseconds(0));
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* text :
       {"", "10", "s", "-1s", "1.5s", "1 s", "1d", "1sec", "99999999999999999h"}) {
    Result<milliseconds> result = ParseDuration(text);
    EXPECT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace fanout::config
