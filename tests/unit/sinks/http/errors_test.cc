// Every branch of the HTTP sink's error classification (sinks/http/errors.h).
#include "sinks/http/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace fanout {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
namespace asio_error = boost::asio::error;
namespace beast_http = boost::beast::http;

// 2015-10-21 07:28:00 UTC, the IMF-fixdate "Wed, 21 Oct 2015 07:28:00 GMT".
const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days(std::chrono::year(2015) / 10 / 21) + std::chrono::hours(7) +
    std::chrono::minutes(28);

HttpExchangeResult Response(unsigned status, std::string retry_after = "", std::string body = "") {
  HttpExchangeResult result;
  result.stage = NetStage::kDone;
  result.status = status;
  result.retry_after = std::move(retry_after);
  result.body = std::move(body);
  return result;
}

HttpExchangeResult Failure(NetStage stage, boost::system::error_code error) {
  HttpExchangeResult result;
  result.stage = stage;
  result.error = error;
  return result;
}

ActionResult Classify(const HttpExchangeResult& result) { return ClassifyExchange(result, kNow); }

TEST(HttpErrorsTest, SuccessIsApplied) {
  for (unsigned status : {200u, 201u, 202u, 204u, 299u}) {
    EXPECT_EQ(Classify(Response(status)).outcome, ActionOutcome::kApplied) << status;
  }
}

TEST(HttpErrorsTest, ThrottlingAndServerErrorsRetry) {
  for (unsigned status : {408u, 409u, 429u, 500u, 502u, 504u, 599u}) {
    ActionResult result = Classify(Response(status));
    EXPECT_EQ(result.outcome, ActionOutcome::kRetry) << status;
    EXPECT_THAT(result.message, HasSubstr("HTTP " + std::to_string(status)));
    EXPECT_EQ(result.retry_after, milliseconds(0)) << status;
  }
  ActionResult throttled = Classify(Response(429, "2"));
  EXPECT_EQ(throttled.outcome, ActionOutcome::kRetry);
  EXPECT_EQ(throttled.retry_after, seconds(2));
}

TEST(HttpErrorsTest, ServiceUnavailableIsUnavailableWithRetryAfter) {
  ActionResult result = Classify(Response(503, "Wed, 21 Oct 2015 07:28:30 GMT"));
  EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable);
  EXPECT_EQ(result.retry_after, seconds(30));
}

TEST(HttpErrorsTest, RefusalsAreLeftToTheProbe) {
  for (unsigned status : {401u, 403u}) {
    ActionResult result = Classify(Response(status, "", "token=abc"));
    EXPECT_EQ(result.outcome, ActionOutcome::kRefused) << status;
    EXPECT_THAT(result.message, HasSubstr("credentials"));
    EXPECT_THAT(result.message, ::testing::Not(HasSubstr("token=abc")));
  }
}

TEST(HttpErrorsTest, RedirectsAreBadRecords) {
  for (unsigned status : {301u, 302u, 307u, 308u}) {
    ActionResult result = Classify(Response(status));
    EXPECT_EQ(result.outcome, ActionOutcome::kBadRecord) << status;
    EXPECT_THAT(result.message, HasSubstr("redirects are not followed"));
  }
}

TEST(HttpErrorsTest, OtherClientErrorsAreBadRecordsWithASnippet) {
  ActionResult result = Classify(Response(400, "", "{\"error\":\"email is invalid\"}\r\n"));
  EXPECT_EQ(result.outcome, ActionOutcome::kBadRecord);
  EXPECT_EQ(result.message, "HTTP 400: {\"error\":\"email is invalid\"}");
  for (unsigned status : {404u, 413u, 422u, 451u}) {
    EXPECT_EQ(Classify(Response(status)).outcome, ActionOutcome::kBadRecord) << status;
    EXPECT_EQ(Classify(Response(status)).message, "HTTP " + std::to_string(status));
  }
}

TEST(HttpErrorsTest, UnexpectedStatusRetries) {
  EXPECT_EQ(Classify(Response(102)).outcome, ActionOutcome::kRetry);
  EXPECT_EQ(Classify(Response(600)).outcome, ActionOutcome::kRetry);
}

TEST(HttpErrorsTest, UnreachableServerIsUnavailable) {
  const std::pair<NetStage, boost::system::error_code> cases[] = {
      {NetStage::kResolve, asio_error::host_not_found},
      {NetStage::kResolve, asio_error::host_not_found_try_again},
      {NetStage::kConnect, asio_error::connection_refused},
      {NetStage::kConnect, asio_error::network_unreachable},
      {NetStage::kWrite, asio_error::connection_reset},
      {NetStage::kWrite, asio_error::broken_pipe},
      {NetStage::kRead, asio_error::eof},
      {NetStage::kRead, beast_http::error::end_of_stream},
      {NetStage::kRead, beast_http::error::partial_message},
      {NetStage::kRead, asio_error::connection_reset},
  };
  for (const auto& [stage, error] : cases) {
    ActionResult result = Classify(Failure(stage, error));
    EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable) << error.message();
    EXPECT_THAT(result.message, HasSubstr(std::string(HttpStageName(stage))));
  }
}

TEST(HttpErrorsTest, TimeoutsReachingTheServerAreUnavailableOtherwiseRetry) {
  EXPECT_EQ(Classify(Failure(NetStage::kResolve, boost::beast::error::timeout)).outcome,
            ActionOutcome::kUnavailable);
  EXPECT_EQ(Classify(Failure(NetStage::kConnect, boost::beast::error::timeout)).outcome,
            ActionOutcome::kUnavailable);
  ActionResult slow = Classify(Failure(NetStage::kRead, boost::beast::error::timeout));
  EXPECT_EQ(slow.outcome, ActionOutcome::kRetry);
  EXPECT_THAT(slow.message, HasSubstr("timed out"));
  EXPECT_EQ(Classify(Failure(NetStage::kWrite, asio_error::timed_out)).outcome,
            ActionOutcome::kRetry);
}

TEST(HttpErrorsTest, CancelledIsUnavailable) {
  ActionResult result = Classify(Failure(NetStage::kRead, asio_error::operation_aborted));
  EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable);
  EXPECT_THAT(result.message, HasSubstr("closing"));
}

TEST(HttpErrorsTest, UnparseableResponseRetries) {
  EXPECT_EQ(Classify(Failure(NetStage::kRead, beast_http::error::bad_version)).outcome,
            ActionOutcome::kRetry);
}

TEST(HttpErrorsTest, RetryAfterIsHonouredUpToItsCap) {
  EXPECT_EQ(Classify(Response(429, "120")).retry_after, seconds(120));
  EXPECT_EQ(Classify(Response(429, "86400")).retry_after, kMaxRetryAfter);
}

}  // namespace
}  // namespace fanout
