#include "processor/route/route_spec.h"

#include <gtest/gtest.h>

namespace fanout {
namespace {

TEST(ParseOpNameTest, AcceptsShortAndLongNames) {
  EXPECT_EQ(ParseOpName("c").value(), Op::kCreate);
  EXPECT_EQ(ParseOpName("update").value(), Op::kUpdate);
  EXPECT_EQ(ParseOpName("d").value(), Op::kDelete);
  EXPECT_EQ(ParseOpName("read").value(), Op::kRead);
  EXPECT_EQ(ParseOpName("t").value(), Op::kTruncate);
  EXPECT_EQ(ParseOpName("message").value(), Op::kMessage);
}

TEST(ParseOpNameTest, RejectsOthersWithTheAcceptedList) {
  Result<Op> op = ParseOpName("insert");
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.status().message().find("expected c, u, d"), std::string_view::npos);
}

}  // namespace
}  // namespace fanout
