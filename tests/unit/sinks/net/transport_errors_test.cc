// The transport classification every TCP sink shares.
#include "sinks/net/transport_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace fanout {
namespace {

using ::testing::HasSubstr;
namespace asio_error = boost::asio::error;

TransportResult Failure(NetStage stage, boost::system::error_code error) {
  TransportResult result;
  result.stage = stage;
  result.error = error;
  return result;
}

ActionOutcome Outcome(NetStage stage, boost::system::error_code error) {
  return ClassifyTransportFailure(Failure(stage, error), "x: ", NetStageName(stage)).outcome;
}

TEST(TransportErrorsTest, OnlyTlsLayerErrorsCountAsVerificationFailures) {
  EXPECT_TRUE(IsTlsVerificationFailure(
      boost::system::error_code(1, boost::asio::error::get_ssl_category())));
  EXPECT_FALSE(IsTlsVerificationFailure(boost::asio::ssl::error::stream_truncated));
  EXPECT_FALSE(IsTlsVerificationFailure(boost::asio::error::connection_reset));
}

TEST(TransportErrorsTest, NotReachingTheServerIsAnOutage) {
  for (NetStage stage :
       {NetStage::kResolve, NetStage::kConnect, NetStage::kTlsHandshake, NetStage::kHandshake}) {
    EXPECT_EQ(Outcome(stage, boost::beast::error::timeout), ActionOutcome::kUnavailable);
    EXPECT_EQ(Outcome(stage, asio_error::host_not_found), ActionOutcome::kUnavailable);
  }
  EXPECT_EQ(Outcome(NetStage::kRead, asio_error::connection_reset), ActionOutcome::kUnavailable);
  EXPECT_EQ(Outcome(NetStage::kRead, boost::beast::http::error::partial_message),
            ActionOutcome::kUnavailable);
}

TEST(TransportErrorsTest, ASlowOrGarbledAnswerCounts) {
  EXPECT_EQ(Outcome(NetStage::kRead, boost::beast::error::timeout), ActionOutcome::kRetry);
  EXPECT_EQ(Outcome(NetStage::kWrite, asio_error::timed_out), ActionOutcome::kRetry);
  EXPECT_EQ(Outcome(NetStage::kRead, boost::beast::http::error::bad_version),
            ActionOutcome::kRetry);
}

TEST(TransportErrorsTest, ARefusedCertificateIsFatalAndSaysWhatToCheck) {
  const ActionResult result = ClassifyTransportFailure(
      Failure(NetStage::kTlsHandshake,
              boost::system::error_code(1, boost::asio::error::get_ssl_category())),
      "redis: ", "TLS handshake");
  EXPECT_EQ(result.outcome, ActionOutcome::kFatal);
  EXPECT_THAT(result.message, HasSubstr("redis: TLS handshake failed"));
  EXPECT_THAT(result.message, HasSubstr("tls_ca_file"));
}

TEST(TransportErrorsTest, MessagesNameTheStage) {
  const ActionResult result = ClassifyTransportFailure(
      Failure(NetStage::kRead, boost::beast::error::timeout), "redis: ", "reply");
  EXPECT_EQ(result.message, "redis: reply timed out");
}

TEST(TransportErrorsTest, StaleConnectionsAreReusedOnesThatEndedBeforeAnyAnswer) {
  TransportResult stale = Failure(NetStage::kWrite, asio_error::broken_pipe);
  stale.reused_connection = true;
  EXPECT_TRUE(IsStaleConnectionFailure(stale));
  TransportResult fresh = stale;
  fresh.reused_connection = false;
  EXPECT_FALSE(IsStaleConnectionFailure(fresh));
  TransportResult answered = stale;
  answered.got_response_bytes = true;
  EXPECT_FALSE(IsStaleConnectionFailure(answered));
}

TEST(TransportErrorsTest, AnAbortedPoolAnswersCancelled) {
  TransportResult result;
  MarkAborted(&result);
  EXPECT_TRUE(IsCancelled(result.error));
  EXPECT_FALSE(IsCancelled(asio_error::connection_reset));
}

}  // namespace
}  // namespace fanout
