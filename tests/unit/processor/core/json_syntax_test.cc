#include "processor/core/json_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout {
namespace {

TEST(JsonSyntaxTest, NumbersOfAnySizeAndPrecision) {
  EXPECT_TRUE(IsJsonText(R"({"n": 123456789012345678901234567890})"));
  EXPECT_TRUE(IsJsonText("[0.10000000000000000000000000000000000001, -1e400, 1E+5, -0]"));
  EXPECT_TRUE(IsJsonText(" 42 "));
}

TEST(JsonSyntaxTest, EveryKindOfValue) {
  EXPECT_TRUE(IsJsonText(R"({"a":[true,false,null,"x\u00e9\n\"",{}],"b":{"c":[]}})"));
  EXPECT_TRUE(IsJsonText(R"("")"));
}

TEST(JsonSyntaxTest, RejectsWhatIsNotJson) {
  for (const char* bad : {"",
                          "01",
                          "1.",
                          ".5",
                          "+1",
                          "1e",
                          "-",
                          "[1,]",
                          "{\"a\":1,}",
                          "{a:1}",
                          "[1 2]",
                          "\"unterminated",
                          "\"bad \\x escape\"",
                          "\"\\u12\"",
                          "nul",
                          "[",
                          "{\"a\"}",
                          "1 2",
                          "NaN",
                          "Infinity",
                          "'single'"}) {
    EXPECT_FALSE(IsJsonText(bad)) << bad;
  }
  EXPECT_FALSE(IsJsonText(std::string("\"raw \x01 control\"")));
}

TEST(JsonSyntaxTest, DepthIsBounded) {
  EXPECT_TRUE(IsJsonText(std::string(1000, '[') + std::string(1000, ']')));
  EXPECT_FALSE(IsJsonText(std::string(100000, '[') + std::string(100000, ']')));
}

}  // namespace
}  // namespace fanout
