#include "processor/core/status.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status status = Unavailable("broker down");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "broker down");
  EXPECT_EQ(status.ToString(), "Unavailable: broker down");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status status = InvalidArgument("bad json").WithContext("decode t[0]@5");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "decode t[0]@5: bad json");
  EXPECT_TRUE(Status().WithContext("ignored").ok());
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  FANOUT_ASSIGN_OR_RETURN(int half, Half(x));
  FANOUT_ASSIGN_OR_RETURN(*out, Half(half));
  return Status();
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = Half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 4);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = Half(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, AssignOrReturnPropagatesTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(Quarter(6, &out).message(), "odd");  // 6/2 = 3 is odd
}

}  // namespace
}  // namespace fanout
