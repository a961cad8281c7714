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
  result.stage = HttpStage::kDone;
  result.status = status;
  result.retry_after = std::move(retry_after);
  result.body = std::move(body);
  return result;
}

HttpExchangeResult Failure(HttpStage stage, boost::system::error_code error) {
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
  const std::pair<HttpStage, boost::system::error_code> cases[] = {
      {HttpStage::kResolve, asio_error::host_not_found},
      {HttpStage::kResolve, asio_error::host_not_found_try_again},
      {HttpStage::kConnect, asio_error::connection_refused},
      {HttpStage::kConnect, asio_error::network_unreachable},
      {HttpStage::kWrite, asio_error::connection_reset},
      {HttpStage::kWrite, asio_error::broken_pipe},
      {HttpStage::kRead, asio_error::eof},
      {HttpStage::kRead, beast_http::error::end_of_stream},
      {HttpStage::kRead, beast_http::error::partial_message},
      {HttpStage::kRead, asio_error::connection_reset},
  };
  for (const auto& [stage, error] : cases) {
    ActionResult result = Classify(Failure(stage, error));
    EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable) << error.message();
    EXPECT_THAT(result.message, HasSubstr(std::string(HttpStageName(stage))));
  }
}

TEST(HttpErrorsTest, TimeoutsReachingTheServerAreUnavailableOtherwiseRetry) {
  EXPECT_EQ(Classify(Failure(HttpStage::kResolve, boost::beast::error::timeout)).outcome,
            ActionOutcome::kUnavailable);
  EXPECT_EQ(Classify(Failure(HttpStage::kConnect, boost::beast::error::timeout)).outcome,
            ActionOutcome::kUnavailable);
  ActionResult slow = Classify(Failure(HttpStage::kRead, boost::beast::error::timeout));
  EXPECT_EQ(slow.outcome, ActionOutcome::kRetry);
  EXPECT_THAT(slow.message, HasSubstr("timed out"));
  EXPECT_EQ(Classify(Failure(HttpStage::kWrite, asio_error::timed_out)).outcome,
            ActionOutcome::kRetry);
}

TEST(HttpErrorsTest, CancelledIsUnavailable) {
  ActionResult result = Classify(Failure(HttpStage::kRead, asio_error::operation_aborted));
  EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable);
  EXPECT_THAT(result.message, HasSubstr("closing"));
}

TEST(HttpErrorsTest, UnparseableResponseRetries) {
  EXPECT_EQ(Classify(Failure(HttpStage::kRead, beast_http::error::bad_version)).outcome,
            ActionOutcome::kRetry);
}

TEST(HttpErrorsTest, RetryAfterForms) {
  EXPECT_EQ(ParseRetryAfter("", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("0", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), seconds(120));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:29:00 GMT", kNow), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", kNow), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:29:00 2015", kNow), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wed Oct  1 07:29:00 2015", kNow), milliseconds(0));       // past
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", kNow), milliseconds(0));  // past
}

TEST(HttpErrorsTest, RetryAfterIsCapped) {
  EXPECT_EQ(ParseRetryAfter("301", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Thu, 22 Oct 2015 07:28:00 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(Classify(Response(429, "86400")).retry_after, kMaxRetryAfter);
}

// Dates beyond system_clock's nanosecond range (about 1677-2262) overflowed when compared with
// `now` (found by tests/fuzz/http_response_fuzz under UBSan).
TEST(HttpErrorsTest, RetryAfterDatesFarAwayAreCappedOrPast) {
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 2702", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Mon, 01 Jan 0001 00:00:00 GMT", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sat Jan  1 00:00:00 0000", kNow), milliseconds(0));
}

TEST(HttpErrorsTest, MalformedRetryAfterIsIgnored) {
  for (std::string_view bad :
       {"-5", "1.5", "soon", "Wed, 21 Oct 2015 07:29:00", "Wed, 32 Oct 2015 07:29:00 GMT",
        "Wed, 21 Foo 2015 07:29:00 GMT", "Wed, 21 Oct 2015 25:29:00 GMT"}) {
    EXPECT_EQ(ParseRetryAfter(bad, kNow), milliseconds(0)) << bad;
  }
}

TEST(HttpErrorsTest, BodySnippetIsShortAndSanitised) {
  EXPECT_EQ(BodySnippet(""), "");
  EXPECT_EQ(BodySnippet("  bad\r\n\tinput \x01 here  "), "bad input here");
  EXPECT_EQ(BodySnippet("caf\xc3\xa9 \xff"), "caf\xc3\xa9 ?");  // invalid UTF-8 byte replaced

  const std::string long_body(1000, 'x');
  std::string snippet = BodySnippet(long_body);
  EXPECT_LE(snippet.size(), kMaxBodySnippet);
  EXPECT_TRUE(snippet.ends_with("...")) << snippet;

  // A multi-byte character is never cut in two.
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xe2\x82\xac";  // 300 bytes of U+20AC
  snippet = BodySnippet(euros);
  EXPECT_LE(snippet.size(), kMaxBodySnippet);
  ASSERT_TRUE(snippet.ends_with("..."));
  EXPECT_EQ((snippet.size() - 3) % 3, 0u) << snippet.size();

  EXPECT_EQ(BodySnippet(std::string(kMaxBodySnippet, 'y')), std::string(kMaxBodySnippet, 'y'));
}

TEST(HttpErrorsTest, StaleKeptAliveConnection) {
  HttpExchangeResult stale = Failure(HttpStage::kRead, beast_http::error::end_of_stream);
  stale.reused_connection = true;
  EXPECT_TRUE(IsStaleConnectionFailure(stale));
  HttpExchangeResult reset = Failure(HttpStage::kWrite, asio_error::connection_reset);
  reset.reused_connection = true;
  EXPECT_TRUE(IsStaleConnectionFailure(reset));

  HttpExchangeResult fresh = stale;
  fresh.reused_connection = false;  // a new connection failing is the server's doing
  EXPECT_FALSE(IsStaleConnectionFailure(fresh));
  HttpExchangeResult answered = stale;
  answered.got_response_bytes = true;  // the server started answering: it did get the request
  EXPECT_FALSE(IsStaleConnectionFailure(answered));
  HttpExchangeResult timeout = Failure(HttpStage::kRead, boost::beast::error::timeout);
  timeout.reused_connection = true;
  EXPECT_FALSE(IsStaleConnectionFailure(timeout));
  HttpExchangeResult refused = Failure(HttpStage::kConnect, asio_error::connection_refused);
  refused.reused_connection = true;
  EXPECT_FALSE(IsStaleConnectionFailure(refused));
  EXPECT_FALSE(IsStaleConnectionFailure(Response(200)));
}

}  // namespace
}  // namespace fanout
