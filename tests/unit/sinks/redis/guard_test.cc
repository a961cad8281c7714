#include "sinks/redis/guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sinks/redis/resp.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;
using Kind = SourcePosition::Kind;

ChangeEvent At(SourcePosition position, std::string topic = "inv.public.t") {
  ChangeEvent event;
  event.position = position;
  event.origin.topic = std::move(topic);
  return event;
}

std::string Version(SourcePosition position) {
  Result<std::string> version = GuardVersion(At(position));
  EXPECT_TRUE(version.ok()) << version.status().ToString();
  return version.ok() ? *version : "";
}

// The domain (before '@') and the ordinal (after), as the script splits them.
std::pair<std::string, std::string> Split(const std::string& version) {
  const std::size_t at = version.rfind('@');
  return {version.substr(0, at), version.substr(at + 1)};
}

std::vector<std::string> Parse(std::string_view resp) {
  RespReader reader;
  EXPECT_TRUE(reader.Feed(resp).ok());
  Result<std::optional<RespReply>> next = reader.Next();
  std::vector<std::string> args;
  if (!next.ok() || !next->has_value()) {
    ADD_FAILURE() << "not one RESP command";
    return args;
  }
  for (const RespReply& arg : (*next)->elements) args.push_back(arg.text);
  return args;
}

TEST(GuardVersionTest, PostgresIsTheCommitOrderedTuple) {
  EXPECT_EQ(Version({Kind::kPostgres, 26738456, 26738720, 0}),
            "pg@00000000000026738456.00000000000026738720");
  // A first streamed transaction has no commit LSN yet (sequence[0] null → 0).
  EXPECT_EQ(Version({Kind::kPostgres, 0, 26737848, 0}),
            "pg@00000000000000000000.00000000000026737848");
}

TEST(GuardVersionTest, BinlogAndKafkaFallback) {
  EXPECT_EQ(Version({Kind::kBinlog, 3, 1542, 7}),
            "binlog@00000000000000000003.00000000000000001542.00000000000000000007");
  EXPECT_EQ(Version({Kind::kKafka, 2, 99, 0}), "kafka:inv.public.t:2@00000000000000000099");
  Result<std::string> none = GuardVersion(At({}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("no source position"));
}

TEST(GuardVersionTest, StringOrderIsPositionOrderWithinADomain) {
  // Including values past 2^53 (where a Lua number would round) and past 2^63.
  const std::vector<SourcePosition> ordered = {
      {Kind::kPostgres, 0, 26734104, 0},
      {Kind::kPostgres, 0, 26737848, 0},
      {Kind::kPostgres, 26738456, 26738456, 0},
      {Kind::kPostgres, 26738456, 26738457, 0},
      {Kind::kPostgres, (std::uint64_t{1} << 53) + 1, 1, 0},
      {Kind::kPostgres, (std::uint64_t{1} << 53) + 2, 0, 0},
      {Kind::kPostgres, std::uint64_t{1} << 63, 0, 0},
      {Kind::kPostgres, ~std::uint64_t{0}, ~std::uint64_t{0}, 0},
  };
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    auto [domain_a, ordinal_a] = Split(Version(ordered[i - 1]));
    auto [domain_b, ordinal_b] = Split(Version(ordered[i]));
    EXPECT_EQ(domain_a, domain_b);
    EXPECT_EQ(ordinal_a.size(), ordinal_b.size());
    EXPECT_LT(ordinal_a, ordinal_b) << i;
  }
}

TEST(GuardVersionTest, DifferentSourcesAndPartitionsAreDifferentDomains) {
  EXPECT_NE(Split(Version({Kind::kPostgres, 1, 1, 0})).first,
            Split(Version({Kind::kBinlog, 1, 1, 0})).first);
  EXPECT_NE(Split(Version({Kind::kKafka, 0, 5, 0})).first,
            Split(Version({Kind::kKafka, 1, 5, 0})).first);
}

TEST(GuardScriptTest, ShaIsLowercaseHexOfTheScript) {
  const std::string& sha = GuardScriptSha1();
  ASSERT_EQ(sha.size(), 40u);
  EXPECT_EQ(sha.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(&sha, &GuardScriptSha1());
  // The script reads what the builder writes.
  EXPECT_THAT(std::string(GuardScript()), HasSubstr(std::string(kVersionField)));
  EXPECT_THAT(std::string(GuardScript()), HasSubstr("'PX'"));
}

TEST(GuardedWriteTest, JsonSetCommand) {
  std::string out = "earlier bytes";
  GuardedWrite write{.key = "customer:1",
                     .version = "pg@1.2",
                     .tombstone_ttl = std::chrono::hours(24),
                     .json = R"({"id":1})"};
  Result<std::size_t> tail = AppendGuardedWrite(write, &out);
  ASSERT_TRUE(tail.ok());
  const std::string_view command = std::string_view(out).substr(13);
  EXPECT_THAT(Parse(command),
              ::testing::ElementsAre("EVALSHA", GuardScriptSha1(), "2", "customer:1",
                                     "customer:1:fanout:version", "json", "set", "pg@1.2",
                                     "86400000", R"({"id":1})"));
  // What follows the SHA is the same for EVAL.
  EXPECT_EQ(command.substr(*tail, 7), "$1\r\n2\r\n");
}

TEST(GuardedWriteTest, HashSetAndDeleteCommands) {
  const std::vector<std::pair<std::string, std::string>> fields = {{"id", "1"}, {"email", "a@x"}};
  std::string set;
  ASSERT_TRUE(AppendGuardedWrite({.format = RedisValueFormat::kHash,
                                  .key = "c:1",
                                  .version = "v",
                                  .tombstone_ttl = std::chrono::seconds(5),
                                  .fields = fields},
                                 &set)
                  .ok());
  EXPECT_THAT(Parse(set),
              ::testing::ElementsAre("EVALSHA", GuardScriptSha1(), "2", "c:1", "c:1:fanout:version",
                                     "hash", "set", "v", "5000", "id", "1", "email", "a@x"));
  std::string del;
  ASSERT_TRUE(AppendGuardedWrite({.is_delete = true,
                                  .format = RedisValueFormat::kHash,
                                  .key = "c:1",
                                  .version = "v",
                                  .tombstone_ttl = std::chrono::seconds(5),
                                  .fields = fields},
                                 &del)
                  .ok());
  EXPECT_THAT(Parse(del), ::testing::ElementsAre("EVALSHA", GuardScriptSha1(), "2", "c:1",
                                                 "c:1:fanout:version", "hash", "del", "v", "5000"));
}

TEST(GuardedWriteTest, EvalFallbackCarriesTheScriptAndTheSameArguments) {
  std::string evalsha;
  Result<std::size_t> tail = AppendGuardedWrite(
      {.key = "k", .version = "v", .tombstone_ttl = std::chrono::seconds(1), .json = "{}"},
      &evalsha);
  ASSERT_TRUE(tail.ok());
  const std::string eval = GuardedWriteAsEval(evalsha, *tail);
  EXPECT_THAT(Parse(eval),
              ::testing::ElementsAre("EVAL", std::string(GuardScript()), "2", "k",
                                     "k:fanout:version", "json", "set", "v", "1000", "{}"));
}

}  // namespace
}  // namespace fanout
