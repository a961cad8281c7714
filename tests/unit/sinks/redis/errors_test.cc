#include "sinks/redis/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <string>

namespace fanout {
namespace {

using ::testing::HasSubstr;
namespace asio_error = boost::asio::error;

RespReply Error(std::string text) {
  RespReply reply;
  reply.type = RespReply::Type::kError;
  reply.text = std::move(text);
  return reply;
}

RespReply Integer(std::int64_t value) {
  RespReply reply;
  reply.type = RespReply::Type::kInteger;
  reply.integer = value;
  return reply;
}

ActionOutcome ReplyOutcome(const std::string& error) { return ClassifyErrorReply(error).outcome; }

RedisExchangeResult Transport(NetStage stage, boost::system::error_code error) {
  RedisExchangeResult result;
  result.stage = stage;
  result.error = error;
  return result;
}

TEST(RedisErrorsTest, ServerNotServingIsUnavailable) {
  EXPECT_EQ(ReplyOutcome("LOADING Redis is loading the dataset in memory"),
            ActionOutcome::kUnavailable);
  EXPECT_EQ(ReplyOutcome("MASTERDOWN Link with MASTER is down"), ActionOutcome::kUnavailable);
  EXPECT_EQ(ReplyOutcome("READONLY You can't write against a read only replica."),
            ActionOutcome::kUnavailable);
  EXPECT_EQ(ReplyOutcome("MISCONF Redis is configured to save RDB snapshots"),
            ActionOutcome::kUnavailable);
  EXPECT_EQ(ReplyOutcome("ERR max number of clients reached"), ActionOutcome::kUnavailable);
  EXPECT_TRUE(ErrorReplyNeedsReconnect("READONLY You can't write against a read only replica."));
  EXPECT_TRUE(ErrorReplyNeedsReconnect("LOADING Redis is loading the dataset in memory"));
  EXPECT_FALSE(ErrorReplyNeedsReconnect("WRONGTYPE Operation against a key"));
}

TEST(RedisErrorsTest, TransientServerErrorsRetry) {
  EXPECT_EQ(ReplyOutcome("BUSY Redis is busy running a script."), ActionOutcome::kRetry);
  EXPECT_EQ(ReplyOutcome("TRYAGAIN Multiple keys request during rehashing of slot"),
            ActionOutcome::kRetry);
  EXPECT_EQ(ReplyOutcome("CLUSTERDOWN The cluster is down"), ActionOutcome::kRetry);
  EXPECT_EQ(ReplyOutcome("OOM command not allowed when used memory > 'maxmemory'."),
            ActionOutcome::kRetry);
}

TEST(RedisErrorsTest, RefusedCommandsAreJudgedByAProbeAndMissingCommandsAreFatal) {
  // A command's refusal may be its key's (ACL key patterns): kRefused, for the probe to judge.
  EXPECT_EQ(ReplyOutcome("NOAUTH Authentication required."), ActionOutcome::kRefused);
  EXPECT_EQ(ReplyOutcome("WRONGPASS invalid username-password pair or user is disabled."),
            ActionOutcome::kRefused);
  EXPECT_EQ(ReplyOutcome("NOPERM No permissions to access a key"), ActionOutcome::kRefused);
  EXPECT_EQ(ReplyOutcome("ERR unknown command 'EVALSHA', with args beginning with: "),
            ActionOutcome::kFatal);
  EXPECT_EQ(ReplyOutcome("ERR unknown subcommand 'LOAD'. Try SCRIPT HELP."), ActionOutcome::kFatal);
  ActionResult moved = ClassifyErrorReply("MOVED 3999 127.0.0.1:6381");
  EXPECT_EQ(moved.outcome, ActionOutcome::kFatal);
  EXPECT_THAT(moved.message, HasSubstr("Cluster is not supported"));
}

TEST(RedisErrorsTest, PerCommandErrorsAreBadRecordsWithTheServersMessage) {
  ActionResult wrongtype =
      ClassifyErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(wrongtype.outcome, ActionOutcome::kBadRecord);
  EXPECT_THAT(wrongtype.message, HasSubstr("WRONGTYPE Operation against a key"));
  EXPECT_EQ(ReplyOutcome("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
            ActionOutcome::kBadRecord);
  ActionResult long_message = ClassifyErrorReply("ERR " + std::string(5000, 'x'));
  EXPECT_LT(long_message.message.size(), kMaxServerMessage + 20);
}

TEST(RedisErrorsTest, ReplyOutcomesByCommandKind) {
  EXPECT_EQ(ClassifyReply(RedisCommandKind::kGuardedWrite, Integer(1)).outcome,
            ActionOutcome::kApplied);
  EXPECT_EQ(ClassifyReply(RedisCommandKind::kGuardedWrite, Integer(0)).outcome,
            ActionOutcome::kAlreadyApplied);
  EXPECT_EQ(ClassifyReply(RedisCommandKind::kInvalidate, Integer(0)).outcome,
            ActionOutcome::kApplied);
  EXPECT_EQ(ClassifyReply(RedisCommandKind::kPublish, Integer(3)).outcome, ActionOutcome::kApplied);
  EXPECT_EQ(ClassifyReply(RedisCommandKind::kPublish, RespReply{}).outcome,
            ActionOutcome::kRetry);  // nil: not what PUBLISH answers
  EXPECT_EQ(ClassifyReply(RedisCommandKind::kGuardedWrite, Error("WRONGTYPE x")).outcome,
            ActionOutcome::kBadRecord);
  EXPECT_TRUE(IsNoScript(Error("NOSCRIPT No matching script. Please use EVAL.")));
  EXPECT_FALSE(IsNoScript(Error("ERR NOSCRIPT")));
}

TEST(RedisErrorsTest, HandshakeRefusalsAreFatalUnlessTheServerIsStarting) {
  EXPECT_EQ(ClassifyHandshakeError("WRONGPASS invalid username-password pair").outcome,
            ActionOutcome::kFatal);
  EXPECT_EQ(ClassifyHandshakeError("ERR invalid password").outcome, ActionOutcome::kFatal);
  EXPECT_EQ(ClassifyHandshakeError("ERR DB index is out of range").outcome, ActionOutcome::kFatal);
  EXPECT_EQ(ClassifyHandshakeError("LOADING Redis is loading the dataset in memory").outcome,
            ActionOutcome::kUnavailable);
  RedisExchangeResult refused;
  refused.stage = NetStage::kHandshake;
  refused.server_error = "WRONGPASS invalid username-password pair";
  EXPECT_EQ(ClassifyExchangeFailure(refused).outcome, ActionOutcome::kFatal);
  EXPECT_EQ(StartStatus(ClassifyExchangeFailure(refused)).code(), StatusCode::kFailedPrecondition);
}

TEST(RedisErrorsTest, TransportFailures) {
  using S = NetStage;
  auto outcome = [](S stage, boost::system::error_code error) {
    return ClassifyExchangeFailure(Transport(stage, error)).outcome;
  };
  EXPECT_EQ(outcome(S::kResolve, asio_error::host_not_found), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kConnect, asio_error::connection_refused), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kConnect, boost::beast::error::timeout), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kHandshake, boost::beast::error::timeout), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kHandshake, asio_error::eof), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kWrite, asio_error::broken_pipe), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kRead, asio_error::eof), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kRead, asio_error::connection_reset), ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome(S::kRead, boost::beast::error::timeout), ActionOutcome::kRetry);
  EXPECT_EQ(outcome(S::kWrite, boost::beast::error::timeout), ActionOutcome::kRetry);
  EXPECT_EQ(outcome(S::kRead, asio_error::operation_aborted), ActionOutcome::kUnavailable);
  EXPECT_EQ(
      StartStatus(ClassifyExchangeFailure(Transport(S::kConnect, asio_error::connection_refused)))
          .code(),
      StatusCode::kUnavailable);

  RedisExchangeResult garbled;
  garbled.stage = S::kRead;
  garbled.protocol_error = true;
  garbled.server_error = "malformed reply";
  EXPECT_EQ(ClassifyExchangeFailure(garbled).outcome, ActionOutcome::kRetry);
  garbled.stage = S::kHandshake;  // not a Redis server at that address
  EXPECT_EQ(ClassifyExchangeFailure(garbled).outcome, ActionOutcome::kUnavailable);
}

TEST(RedisErrorsTest, StaleConnectionFailures) {
  RedisExchangeResult result = Transport(NetStage::kRead, asio_error::eof);
  EXPECT_FALSE(IsStaleConnectionFailure(result));  // a fresh connection: a real failure
  result.reused_connection = true;
  EXPECT_TRUE(IsStaleConnectionFailure(result));
  result.got_response_bytes = true;
  EXPECT_FALSE(IsStaleConnectionFailure(result));  // the server answered part: not idle-closed
  result = Transport(NetStage::kConnect, asio_error::connection_refused);
  result.reused_connection = true;
  EXPECT_FALSE(IsStaleConnectionFailure(result));
}

}  // namespace
}  // namespace fanout
