#include "sinks/redis/resp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>
#include <string_view>
#include <vector>

namespace fanout {
namespace {

using namespace std::string_view_literals;
using Type = RespReply::Type;

RespReply NextReply(RespReader& reader) {
  Result<std::optional<RespReply>> next = reader.Next();
  EXPECT_TRUE(next.ok()) << next.status().ToString();
  if (!next.ok() || !next->has_value()) {
    ADD_FAILURE() << "no complete reply";
    return {};
  }
  return std::move(**next);
}

TEST(RespCommandTest, FormatsAnArrayOfBulkStrings) {
  std::string out;
  RespCommand().Arg("UNLINK").Arg("customer:1").AppendTo(&out);
  EXPECT_EQ(out, "*2\r\n$6\r\nUNLINK\r\n$10\r\ncustomer:1\r\n");
}

TEST(RespCommandTest, IsBinarySafeAndAppends) {
  std::string out = "prefix";
  RespCommand().Arg("SET").Arg("a\0b\r\nc"sv).Arg("").AppendTo(&out);
  EXPECT_EQ(out, "prefix*3\r\n$3\r\nSET\r\n$6\r\na\0b\r\nc\r\n$0\r\n\r\n"sv);
}

TEST(RespCommandTest, WritesTheBytesHiredisWould) {
  // Lengths of one to five digits and a count above nine, against redisFormatCommandArgv.
  std::vector<std::string> args = {"EVALSHA",
                                   "",
                                   "x",
                                   std::string(10, 'a'),
                                   std::string(99, 'b'),
                                   std::string(1000, 'c'),
                                   std::string(12345, 'd')};
  for (int i = 0; i < 6; ++i) args.push_back("k" + std::to_string(i));
  RespCommand command;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : args) {
    command.Arg(arg);
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* expected = nullptr;
  const int length =
      redisFormatCommandArgv(&expected, static_cast<int>(args.size()), argv.data(), lengths.data());
  ASSERT_GT(length, 0);
  std::string out;
  command.AppendTo(&out);
  EXPECT_EQ(out, std::string_view(expected, static_cast<std::size_t>(length)));
  redisFreeCommand(expected);
}

TEST(RespReaderTest, ParsesEveryReplyTypeInOrder) {
  RespReader reader;
  ASSERT_TRUE(reader
                  .Feed("+OK\r\n:42\r\n$5\r\nhe\0lo\r\n$-1\r\n-WRONGTYPE Operation against a "
                        "key\r\n*2\r\n:1\r\n$1\r\nx\r\n:-7\r\n"sv)
                  .ok());
  RespReply status = NextReply(reader);
  EXPECT_EQ(status.type, Type::kStatus);
  EXPECT_EQ(status.text, "OK");
  RespReply integer = NextReply(reader);
  EXPECT_EQ(integer.type, Type::kInteger);
  EXPECT_EQ(integer.integer, 42);
  RespReply bulk = NextReply(reader);
  EXPECT_EQ(bulk.type, Type::kString);
  EXPECT_EQ(bulk.text, "he\0lo"sv);
  EXPECT_EQ(NextReply(reader).type, Type::kNil);
  RespReply error = NextReply(reader);
  EXPECT_TRUE(error.is_error());
  EXPECT_EQ(error.text, "WRONGTYPE Operation against a key");
  RespReply array = NextReply(reader);
  ASSERT_EQ(array.type, Type::kArray);
  ASSERT_EQ(array.elements.size(), 2u);
  EXPECT_EQ(array.elements[0].integer, 1);
  EXPECT_EQ(array.elements[1].text, "x");
  EXPECT_EQ(NextReply(reader).integer, -7);
  Result<std::optional<RespReply>> none = reader.Next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(RespReaderTest, WaitsForRepliesSplitAcrossReads) {
  RespReader reader;
  const std::string_view stream = ":1\r\n$11\r\nhello world\r\n:0\r\n";
  std::size_t complete = 0;
  // One byte at a time: the worst a socket can do.
  for (char c : stream) {
    ASSERT_TRUE(reader.Feed(std::string_view(&c, 1)).ok());
    for (;;) {
      Result<std::optional<RespReply>> next = reader.Next();
      ASSERT_TRUE(next.ok());
      if (!next->has_value()) break;
      ++complete;
    }
  }
  EXPECT_EQ(complete, 3u);
}

TEST(RespReaderTest, ACommandIsAValidReplyToo) {
  // What the unit tests use to look inside built actions.
  std::string out;
  RespCommand().Arg("PUBLISH").Arg("ch").Arg("{}").AppendTo(&out);
  RespReader reader;
  ASSERT_TRUE(reader.Feed(out).ok());
  RespReply command = NextReply(reader);
  ASSERT_EQ(command.elements.size(), 3u);
  EXPECT_EQ(command.elements[2].text, "{}");
}

TEST(RespReaderTest, RejectsBytesThatAreNotResp) {
  RespReader reader;
  ASSERT_TRUE(reader.Feed("HTTP/1.1 400 Bad Request\r\n").ok());
  Result<std::optional<RespReply>> next = reader.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(next.status().message()), ::testing::HasSubstr("malformed reply"));
}

}  // namespace
}  // namespace fanout
