#include "sinks/redis/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sinks/redis/guard.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

RedisAction Unlink(const std::string& key) {
  RedisAction action;
  RespCommand().Arg("UNLINK").Arg(key).AppendTo(action.mutable_resp());
  action.AddCommand(RedisCommandKind::kInvalidate, 0);
  return action;
}

void AddGuarded(RedisAction* action, const std::string& key) {
  const std::size_t offset = action->resp().size();
  Result<std::size_t> tail = AppendGuardedWrite(
      {.key = key, .version = "pg@1.1", .tombstone_ttl = std::chrono::seconds(1), .json = "{}"},
      action->mutable_resp());
  ASSERT_TRUE(tail.ok());
  action->AddCommand(RedisCommandKind::kGuardedWrite, offset, *tail);
}

RespReply Integer(std::int64_t value) {
  RespReply reply;
  reply.type = RespReply::Type::kInteger;
  reply.integer = value;
  return reply;
}

RespReply Error(std::string text) {
  RespReply reply;
  reply.type = RespReply::Type::kError;
  reply.text = std::move(text);
  return reply;
}

std::vector<ActionOutcome> Outcomes(const std::vector<ActionResult>& results) {
  std::vector<ActionOutcome> out;
  for (const ActionResult& result : results) out.push_back(result.outcome);
  return out;
}

// The arguments of every command in `bytes`.
std::vector<std::vector<std::string>> Parse(const std::string& bytes) {
  RespReader reader;
  EXPECT_TRUE(reader.Feed(bytes).ok());
  std::vector<std::vector<std::string>> out;
  for (;;) {
    Result<std::optional<RespReply>> next = reader.Next();
    EXPECT_TRUE(next.ok());
    if (!next.ok() || !next->has_value()) break;
    std::vector<std::string> args;
    for (const RespReply& arg : (*next)->elements) args.push_back(arg.text);
    out.push_back(std::move(args));
  }
  return out;
}

TEST(RedisPipelineTest, OneRoundTripInBatchOrderAndOneResultPerAction) {
  RedisAction a = Unlink("a");
  RedisAction b = Unlink("b");
  AddGuarded(&b, "b");
  RedisAction c = Unlink("c");
  RedisPipeline pipeline({&a, &b, &c});
  EXPECT_EQ(pipeline.size(), 4u);
  EXPECT_EQ(pipeline.Bytes(),
            std::string(a.resp()) + std::string(b.resp()) + std::string(c.resp()));

  const std::vector<RespReply> replies = {Integer(1), Integer(0), Integer(0), Integer(1)};
  EXPECT_EQ(pipeline.Record(replies, ActionResult::Unavailable("unused")), "");
  EXPECT_EQ(pipeline.fallback_size(), 0u);
  std::vector<ActionResult> results = pipeline.TakeResults();
  EXPECT_THAT(Outcomes(results),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied,
                          ActionOutcome::kApplied));
}

TEST(RedisPipelineTest, ABadCommandFailsOnlyItsOwnAction) {
  RedisAction a;
  AddGuarded(&a, "a");
  RedisAction b;
  AddGuarded(&b, "b");
  RedisAction c;
  AddGuarded(&c, "c");
  RedisPipeline pipeline({&a, &b, &c});
  const std::vector<RespReply> replies = {Integer(1), Error("WRONGTYPE the key holds a list"),
                                          Integer(1)};
  pipeline.Record(replies, ActionResult::Unavailable("unused"));
  std::vector<ActionResult> results = pipeline.TakeResults();
  EXPECT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kApplied));
  EXPECT_THAT(results[1].message, ::testing::HasSubstr("WRONGTYPE"));
}

TEST(RedisPipelineTest, CommandsWithoutAReplyGetTheExchangesFailure) {
  RedisAction a = Unlink("a");
  RedisAction b = Unlink("b");
  AddGuarded(&b, "b");
  RedisAction c = Unlink("c");
  RedisPipeline pipeline({&a, &b, &c});
  // The connection dropped after two replies: b is half done, c not at all.
  const std::vector<RespReply> replies = {Integer(1), Integer(1)};
  pipeline.Record(replies, ActionResult::Unavailable("reset"));
  EXPECT_THAT(Outcomes(pipeline.TakeResults()),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kUnavailable,
                          ActionOutcome::kUnavailable));
}

TEST(RedisPipelineTest, NoScriptIsResentAsEvalInASecondRound) {
  RedisAction a;
  AddGuarded(&a, "a");
  RedisAction b = Unlink("b");
  RedisAction c;
  AddGuarded(&c, "c");
  RedisPipeline pipeline({&a, &b, &c});
  const RespReply noscript = Error("NOSCRIPT No matching script. Please use EVAL.");
  const std::vector<RespReply> replies = {noscript, Integer(1), noscript};
  const std::string fallback = pipeline.Record(replies, ActionResult::Unavailable("unused"));
  ASSERT_EQ(pipeline.fallback_size(), 2u);
  std::vector<std::vector<std::string>> resent = Parse(fallback);
  ASSERT_EQ(resent.size(), 2u);
  EXPECT_EQ(resent[0][0], "EVAL");
  EXPECT_EQ(resent[0][1], GuardScript());
  EXPECT_EQ(resent[0][3], "a");
  EXPECT_EQ(resent[1][3], "c");

  const std::vector<RespReply> second = {Integer(1)};
  pipeline.RecordFallback(second, ActionResult::Retry("timed out"));
  EXPECT_THAT(Outcomes(pipeline.TakeResults()),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied, ActionOutcome::kRetry));
}

}  // namespace
}  // namespace fanout
