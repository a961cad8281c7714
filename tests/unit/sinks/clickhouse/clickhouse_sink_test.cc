// The ClickHouse sink against an in-process HTTP server playing ClickHouse's part
// (tests/support/http_test_server.h): the INSERTs it sends (one per table, settings in the URL,
// credentials), bisection of a batch ClickHouse refuses for one row, Start, and transport
// failures. The real server's behaviour is in tests/integration/clickhouse_sink_test.cc. No test
// sleeps: each waits for a callback, bounded.
#include "sinks/clickhouse/clickhouse_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "sinks/clickhouse/action.h"
#include "sinks/runtime.h"
#include "tests/support/http_test_server.h"

namespace fanout {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HttpTestServer;
using testing::ReceivedRequest;
using testing::ScriptedResponse;
using Settings = std::vector<std::pair<std::string, std::string>>;

constexpr milliseconds kWait{5000};  // bound on any wait for a callback; never reached when green

class Callbacks {
 public:
  WriteCallback Make() {
    return [this](std::vector<ActionResult> results) {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.push_back(std::move(results));
      arrived_.notify_all();
    };
  }
  bool WaitFor(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, kWait, [&] { return calls_.size() >= count; });
  }
  std::vector<ActionResult> first() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_.empty() ? std::vector<ActionResult>{} : calls_.front();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::vector<ActionResult>> calls_;
};

ClickHouseAction Row(const std::string& table, int id) {
  return ClickHouseAction("`dw`.`" + table + "`",
                          "{\"id\":" + std::to_string(id) + ",\"_version\":1,\"_deleted\":0}\n");
}

// The ids in an INSERT body, in order.
std::vector<int> Ids(const std::string& body) {
  std::vector<int> ids;
  for (std::size_t at = body.find("{\"id\":"); at != std::string::npos;
       at = body.find("{\"id\":", at + 1)) {
    ids.push_back(std::stoi(body.substr(at + 6)));
  }
  return ids;
}

std::vector<ActionOutcome> Outcomes(const std::vector<ActionResult>& results) {
  std::vector<ActionOutcome> out;
  for (const ActionResult& result : results) out.push_back(result.outcome);
  return out;
}

class ClickHouseSinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sink> MakeSink(Settings settings = {}, std::string path = "") {
    settings.emplace_back("url", server_.Url(path));
    settings.emplace_back("timeout", "2s");
    settings.emplace_back("database", "dw");
    if (std::none_of(settings.begin(), settings.end(),
                     [](const auto& setting) { return setting.first == "linger"; })) {
      settings.emplace_back("linger", "0s");  // the tests below are about what is sent
    }
    Result<std::unique_ptr<Sink>> sink =
        CreateClickHouseSink(SinkSpec{"warehouse", "clickhouse", settings, {}}, runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink).value() : nullptr;
  }

  std::vector<ActionResult> WriteAndWait(Sink& sink, std::vector<const SinkAction*> batch) {
    Callbacks callbacks;
    sink.Write(batch, callbacks.Make());
    EXPECT_TRUE(callbacks.WaitFor(1));
    return callbacks.first();
  }

  HttpTestServer server_;
  SinkRuntime runtime_{2};
};

TEST_F(ClickHouseSinkTest, OneInsertPerTableWithTheSettingsInTheUrl) {
  std::unique_ptr<Sink> sink = MakeSink(
      {{"username", "writer"}, {"password", "pw"}, {"batch_size", "4"}, {"pool_size", "3"}},
      "/ch/");
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->max_batch(), 4u);
  EXPECT_EQ(sink->max_concurrency(), 3u);
  ClickHouseAction a = Row("orders", 1);
  ClickHouseAction b = Row("items", 2);
  ClickHouseAction c = Row("orders", 3);
  EXPECT_THAT(
      Outcomes(WriteAndWait(*sink, {&a, &b, &c})),
      ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied, ActionOutcome::kApplied));
  const std::vector<ReceivedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target,
            "/ch/?query=INSERT%20INTO%20%60dw%60.%60orders%60%20FORMAT%20JSONEachRow"
            "&date_time_input_format=best_effort");
  EXPECT_THAT(Ids(requests[0].body), ElementsAre(1, 3));
  EXPECT_THAT(requests[1].target, HasSubstr("%60items%60"));
  EXPECT_THAT(Ids(requests[1].body), ElementsAre(2));
  EXPECT_EQ(requests[0].Header("Authorization"), "Basic d3JpdGVyOnB3");
  EXPECT_EQ(server_.connections_accepted(), 1u) << "keep-alive";
}

TEST_F(ClickHouseSinkTest, ABadRowIsFoundByBisectionAndTheGoodRowsAreInserted) {
  // Refuses any INSERT that holds row 5, as ClickHouse does (the whole block, nothing inserted).
  std::mutex mutex;
  std::vector<int> inserted;
  server_.SetResponder([&](const ReceivedRequest& request) {
    const std::vector<int> ids = Ids(request.body);
    if (std::find(ids.begin(), ids.end(), 5) != ids.end()) {
      return ScriptedResponse{
          .status = 500,
          .body =
              "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected , "
              "before: \"secret row data\"}: (at row 1)\n, e.what() = DB::Exception\n"};
    }
    std::lock_guard<std::mutex> lock(mutex);
    inserted.insert(inserted.end(), ids.begin(), ids.end());
    return ScriptedResponse{.status = 200};
  });
  std::unique_ptr<Sink> sink = MakeSink();
  ASSERT_NE(sink, nullptr);
  std::vector<ClickHouseAction> rows;
  for (int id = 0; id < 8; ++id) rows.push_back(Row("orders", id));
  std::vector<const SinkAction*> batch;
  for (const ClickHouseAction& row : rows) batch.push_back(&row);
  const std::vector<ActionResult> results = WriteAndWait(*sink, batch);
  ASSERT_EQ(results.size(), 8u);
  for (int id = 0; id < 8; ++id) {
    EXPECT_EQ(results[static_cast<std::size_t>(id)].outcome,
              id == 5 ? ActionOutcome::kBadRecord : ActionOutcome::kApplied)
        << id;
  }
  EXPECT_THAT(results[5].message, HasSubstr("ClickHouse code 27"));
  EXPECT_THAT(results[5].message, ::testing::Not(HasSubstr("secret"))) << results[5].message;
  std::lock_guard<std::mutex> lock(mutex);
  std::sort(inserted.begin(), inserted.end());
  EXPECT_THAT(inserted, ElementsAre(0, 1, 2, 3, 4, 6, 7));
  // 8 → 4+4 → (4: 2+2 → 2: 1+1) : 1 + 2 + 2 + 2 = 7 requests, not one per row.
  EXPECT_EQ(server_.requests().size(), 7u);
}

TEST_F(ClickHouseSinkTest, ServerErrorsAreNotBadRecords) {
  server_.Enqueue({.status = 500,
                   .body = "Code: 252, e.displayText() = DB::Exception: Too many "
                           "parts (300). Merges are processing significantly "
                           "slower than inserts."});
  std::unique_ptr<Sink> sink = MakeSink();
  ASSERT_NE(sink, nullptr);
  ClickHouseAction a = Row("orders", 1);
  ClickHouseAction b = Row("orders", 2);
  EXPECT_THAT(Outcomes(WriteAndWait(*sink, {&a, &b})),
              ElementsAre(ActionOutcome::kRetry, ActionOutcome::kRetry));
  EXPECT_EQ(server_.requests().size(), 1u) << "no bisection for a server-side error";
}

TEST_F(ClickHouseSinkTest, StartAsksTheVersionAndTellsRefusedCredentials) {
  server_.Enqueue({.status = 200, .body = "18.16.1\n"});
  std::unique_ptr<Sink> sink = MakeSink({{"username", "bob"}});
  ASSERT_NE(sink, nullptr);
  EXPECT_TRUE(sink->Start(milliseconds(2000)).ok());
  EXPECT_THAT(server_.requests().front().target, HasSubstr("SELECT%20version%28%29"));
  EXPECT_EQ(server_.requests().front().method, "GET");
  server_.Enqueue(
      {.status = 401, .body = "Code: 192, e.displayText() = DB::Exception: Unknown user bob"});
  const Status refused = sink->Start(milliseconds(2000));
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("credentials"));
}

TEST_F(ClickHouseSinkTest, ASmallBatchLingersAndAFullOneGoesAtOnce) {
  std::unique_ptr<Sink> sink = MakeSink({{"linger", "300ms"}, {"batch_size", "2"}});
  ASSERT_NE(sink, nullptr);
  ClickHouseAction a = Row("orders", 1);
  ClickHouseAction b = Row("orders", 2);
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  EXPECT_THAT(Outcomes(WriteAndWait(*sink, {&a})), ElementsAre(ActionOutcome::kApplied));
  EXPECT_GE(Clock::now() - start, milliseconds(300)) << "one row of two: it waits";
  start = Clock::now();
  EXPECT_THAT(Outcomes(WriteAndWait(*sink, {&a, &b})),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_LT(Clock::now() - start, milliseconds(300)) << "a full batch does not wait";
  // Closed while a small batch waits: answered (unavailable), nothing sent.
  const std::size_t sent = server_.requests().size();
  Callbacks callbacks;
  const std::vector<const SinkAction*> lone = {&a};
  sink->Write(lone, callbacks.Make());
  sink->Close();
  ASSERT_TRUE(callbacks.WaitFor(1));
  EXPECT_THAT(Outcomes(callbacks.first()), ElementsAre(ActionOutcome::kUnavailable));
  EXPECT_EQ(server_.requests().size(), sent);
}

TEST_F(ClickHouseSinkTest, AServerThatIsDownIsUnavailable) {
  Result<std::unique_ptr<Sink>> sink = CreateClickHouseSink(
      SinkSpec{"warehouse",
               "clickhouse",
               {{"url", "http://127.0.0.1:" + std::to_string(testing::UnusedLocalPort())},
                {"timeout", "2s"}},
               {}},
      runtime_);
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ((*sink)->Start(milliseconds(2000)).code(), StatusCode::kUnavailable);
  ClickHouseAction a = Row("orders", 1);
  EXPECT_THAT(Outcomes(WriteAndWait(**sink, {&a})), ElementsAre(ActionOutcome::kUnavailable));
}

}  // namespace
}  // namespace fanout
