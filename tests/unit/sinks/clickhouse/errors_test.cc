#include "sinks/clickhouse/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const auto kNow = std::chrono::system_clock::now();

HttpExchangeResult Answer(unsigned status, std::string body) {
  HttpExchangeResult exchange;
  exchange.status = status;
  exchange.body = std::move(body);
  return exchange;
}

// What ClickHouse 18.16 answers to a row whose Nullable(Int64) `qty` holds "x" (captured).
constexpr char kParseError18[] =
    "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \" before: "
    "x\",\"_version\":5,\"_deleted\":0}: (while read the value of key qty): (at row 1)\n"
    ", e.what() = DB::Exception\n";
// The same on a current release.
constexpr char kParseError24[] =
    "Code: 27. DB::Exception: Cannot parse input: expected '\"' before: 'x\",\"_version\":5}': "
    "(while reading the value of key qty): (at row 1)\n: While executing "
    "ParallelParsingBlockInputFormat. (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 24.8.4.13 "
    "(official build))\n";

TEST(ClickHouseErrorsTest, TheCodeIsReadFromBothBodyFormats) {
  EXPECT_EQ(ClickHouseErrorCode(kParseError18), 27);
  EXPECT_EQ(ClickHouseErrorCode(kParseError24), 27);
  EXPECT_EQ(ClickHouseErrorCode("Internal Server Error"), -1);
  EXPECT_EQ(ClickHouseErrorCode("Code: "), -1);
}

TEST(ClickHouseErrorsTest, MessagesKeepTheReasonAndDropTheRowData) {
  for (const char* body : {kParseError18, kParseError24}) {
    const std::string text = ClickHouseErrorText(500, body);
    EXPECT_THAT(text, HasSubstr("ClickHouse code 27"));
    EXPECT_THAT(text, HasSubstr("Cannot parse input"));
    EXPECT_THAT(text, HasSubstr("qty"));
    EXPECT_THAT(text, Not(HasSubstr("_version"))) << "row data in: " << text;
    EXPECT_THAT(text, Not(HasSubstr("x\""))) << text;
    EXPECT_THAT(text, Not(HasSubstr("e.what()")));
  }
}

TEST(ClickHouseErrorsTest, ARowTheTableCannotTakeSplitsTheBatchThenIsABadRecord) {
  for (int code : {6, 16, 26, 27, 38, 41, 53, 69, 70, 72, 117, 349}) {
    const std::string body =
        "Code: " + std::to_string(code) + ", e.displayText() = DB::Exception: some reason";
    EXPECT_TRUE(ClassifyInsert(Answer(500, body), 10, kNow).split) << code;
    const InsertOutcome one = ClassifyInsert(Answer(400, body), 1, kNow);
    EXPECT_FALSE(one.split);
    EXPECT_EQ(one.result.outcome, ActionOutcome::kBadRecord) << code;
    EXPECT_THAT(one.result.message, HasSubstr("some reason"));
  }
  EXPECT_TRUE(ClassifyInsert(Answer(413, ""), 2, kNow).split);
  EXPECT_EQ(ClassifyInsert(Answer(413, ""), 1, kNow).result.outcome, ActionOutcome::kBadRecord);
}

TEST(ClickHouseErrorsTest, OutcomesOfTheWholeInsert) {
  struct Case {
    unsigned status;
    std::string body;
    ActionOutcome want;
  };
  const std::vector<Case> cases = {
      {200, "", ActionOutcome::kApplied},
      {401, "Code: 192, e.displayText() = DB::Exception: Unknown user bob", ActionOutcome::kFatal},
      {500, "Code: 193, e.displayText() = DB::Exception: Wrong password", ActionOutcome::kFatal},
      {516, "Code: 516. DB::Exception: default: Authentication failed", ActionOutcome::kFatal},
      {500, "Code: 164, e.displayText() = DB::Exception: readonly", ActionOutcome::kRefused},
      {403, "Code: 497. DB::Exception: Not enough privileges", ActionOutcome::kRefused},
      {404, "Code: 60, e.displayText() = DB::Exception: Table default.t doesn't exist.",
       ActionOutcome::kUnavailable},
      {500, "Code: 81. DB::Exception: Database x doesn't exist", ActionOutcome::kUnavailable},
      {500, "Code: 242. DB::Exception: Table is in readonly mode", ActionOutcome::kUnavailable},
      {503, "", ActionOutcome::kUnavailable},
      {500, "Code: 252. DB::Exception: Too many parts (300)", ActionOutcome::kRetry},
      {500, "Code: 241. DB::Exception: Memory limit exceeded", ActionOutcome::kRetry},
      {500, "Code: 202. DB::Exception: Too many simultaneous queries", ActionOutcome::kRetry},
      {500, "Code: 159. DB::Exception: Timeout exceeded", ActionOutcome::kRetry},
      {429, "", ActionOutcome::kRetry},
      {502, "Bad Gateway", ActionOutcome::kRetry},
  };
  for (const Case& c : cases) {
    const InsertOutcome outcome = ClassifyInsert(Answer(c.status, c.body), 5, kNow);
    EXPECT_FALSE(outcome.split) << c.body;
    EXPECT_EQ(outcome.result.outcome, c.want) << c.status << " " << c.body;
  }
}

TEST(ClickHouseErrorsTest, RetryAfterIsHonoured) {
  HttpExchangeResult exchange = Answer(503, "");
  exchange.retry_after = "7";
  EXPECT_EQ(ClassifyInsert(exchange, 1, kNow).result.retry_after, std::chrono::seconds(7));
}

TEST(ClickHouseErrorsTest, TransportFailures) {
  HttpExchangeResult refused;
  refused.stage = NetStage::kConnect;
  refused.error = boost::asio::error::connection_refused;
  EXPECT_EQ(ClassifyInsert(refused, 3, kNow).result.outcome, ActionOutcome::kUnavailable);
  HttpExchangeResult timed_out;
  timed_out.stage = NetStage::kRead;
  timed_out.error = boost::asio::error::timed_out;
  EXPECT_EQ(ClassifyInsert(timed_out, 3, kNow).result.outcome, ActionOutcome::kRetry);
}

TEST(ClickHouseErrorsTest, Start) {
  std::string version;
  EXPECT_TRUE(ClassifyClickHouseStart(Answer(200, "18.16.1\n"), &version).ok());
  EXPECT_EQ(version, "18.16.1");
  EXPECT_EQ(ClassifyClickHouseStart(Answer(200, "<html>"), &version).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      ClassifyClickHouseStart(
          Answer(401, "Code: 192, e.displayText() = DB::Exception: Unknown user bob"), &version)
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(ClassifyClickHouseStart(Answer(500, "Code: 193. Wrong password"), &version).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ClassifyClickHouseStart(Answer(503, ""), &version).code(), StatusCode::kUnavailable);
  EXPECT_EQ(ClassifyClickHouseStart(Answer(404, "not found"), &version).code(),
            StatusCode::kFailedPrecondition);
  HttpExchangeResult refused;
  refused.stage = NetStage::kConnect;
  refused.error = boost::asio::error::connection_refused;
  EXPECT_EQ(ClassifyClickHouseStart(refused, &version).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fanout
