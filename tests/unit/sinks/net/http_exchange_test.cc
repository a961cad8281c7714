// What every HTTP client user reads the same way: Retry-After, body snippets, stale connections.
#include "sinks/net/http_exchange.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

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

HttpExchangeResult Failure(NetStage stage, boost::system::error_code error) {
  HttpExchangeResult result;
  result.stage = stage;
  result.error = error;
  return result;
}

TEST(HttpExchangeTest, RetryAfterForms) {
  EXPECT_EQ(ParseRetryAfter("", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("0", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), seconds(120));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:29:00 GMT", kNow), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", kNow), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:29:00 2015", kNow), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wed Oct  1 07:29:00 2015", kNow), milliseconds(0));       // past
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", kNow), milliseconds(0));  // past
}

TEST(HttpExchangeTest, RetryAfterIsCapped) {
  EXPECT_EQ(ParseRetryAfter("301", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Thu, 22 Oct 2015 07:28:00 GMT", kNow), kMaxRetryAfter);
}

// Dates beyond system_clock's nanosecond range (about 1677-2262) overflowed when compared with
// `now` (found by tests/fuzz/http_response_fuzz under UBSan).
TEST(HttpExchangeTest, RetryAfterDatesFarAwayAreCappedOrPast) {
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 2702", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("Mon, 01 Jan 0001 00:00:00 GMT", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sat Jan  1 00:00:00 0000", kNow), milliseconds(0));
}

TEST(HttpExchangeTest, MalformedRetryAfterIsIgnored) {
  for (std::string_view bad :
       {"-5", "1.5", "soon", "Wed, 21 Oct 2015 07:29:00", "Wed, 32 Oct 2015 07:29:00 GMT",
        "Wed, 21 Foo 2015 07:29:00 GMT", "Wed, 21 Oct 2015 25:29:00 GMT"}) {
    EXPECT_EQ(ParseRetryAfter(bad, kNow), milliseconds(0)) << bad;
  }
}

TEST(HttpExchangeTest, BodySnippetIsShortAndSanitised) {
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

TEST(HttpExchangeTest, StaleKeptAliveConnection) {
  HttpExchangeResult stale = Failure(NetStage::kRead, beast_http::error::end_of_stream);
  stale.reused_connection = true;
  EXPECT_TRUE(IsStaleConnectionFailure(stale));
  HttpExchangeResult reset = Failure(NetStage::kWrite, asio_error::connection_reset);
  reset.reused_connection = true;
  EXPECT_TRUE(IsStaleConnectionFailure(reset));

  HttpExchangeResult fresh = stale;
  fresh.reused_connection = false;  // a new connection failing is the server's doing
  EXPECT_FALSE(IsStaleConnectionFailure(fresh));
  HttpExchangeResult answered = stale;
  answered.got_response_bytes = true;  // the server started answering: it did get the request
  EXPECT_FALSE(IsStaleConnectionFailure(answered));
  HttpExchangeResult timeout = Failure(NetStage::kRead, boost::beast::error::timeout);
  timeout.reused_connection = true;
  EXPECT_FALSE(IsStaleConnectionFailure(timeout));
  HttpExchangeResult refused = Failure(NetStage::kConnect, asio_error::connection_refused);
  refused.reused_connection = true;
  EXPECT_FALSE(IsStaleConnectionFailure(refused));
  HttpExchangeResult ok;
  ok.status = 200;
  ok.reused_connection = true;
  EXPECT_FALSE(IsStaleConnectionFailure(ok));
}

TEST(HttpExchangeTest, OneLineKeepsToItsLimit) {
  EXPECT_EQ(OneLine("a\n\tb", 10), "a b");
  EXPECT_EQ(OneLine("abcdefghij", 10), "abcdefghij");
  EXPECT_EQ(OneLine("abcdefghijk", 10), "abcdefg...");
  EXPECT_EQ(OneLine("ab \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8), "ab \xc3\xa9...");
}

TEST(HttpExchangeTest, TransportFailuresAndCancellation) {
  EXPECT_EQ(
      ClassifyHttpTransport(Failure(NetStage::kConnect, asio_error::connection_refused)).outcome,
      ActionOutcome::kUnavailable);
  EXPECT_EQ(ClassifyHttpTransport(Failure(NetStage::kRead, boost::beast::error::timeout)).outcome,
            ActionOutcome::kRetry);
  const ActionResult cancelled =
      ClassifyHttpTransport(Failure(NetStage::kWrite, asio_error::operation_aborted));
  EXPECT_EQ(cancelled.outcome, ActionOutcome::kUnavailable);
  EXPECT_THAT(cancelled.message, HasSubstr("closing"));
  EXPECT_EQ(HttpStageName(NetStage::kRead), "response");
}

}  // namespace
}  // namespace fanout
