// The HTTP sink against an in-process HTTP/1.1 server (tests/support/http_test_server.h) with
// scripted faults. Timeouts are short and no test sleeps: each waits for a callback, bounded.
#include "sinks/http/http_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sinks/http/action_builder.h"
#include "sinks/runtime.h"
#include "tests/support/http_test_server.h"

namespace fanout {
namespace {

using ::testing::Each;
using ::testing::Field;
using ::testing::HasSubstr;
using testing::HttpTestServer;
using testing::ReceivedRequest;
using testing::ScriptedResponse;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Settings = std::vector<std::pair<std::string, std::string>>;

constexpr milliseconds kWait{5000};  // bound on any wait for a callback; never reached when green

// Collects Write callbacks from the sink's threads.
class Callbacks {
 public:
  WriteCallback Make(std::size_t index) {
    return [this, index](std::vector<ActionResult> results) {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.emplace_back(index, std::move(results));
      arrived_.notify_all();
    };
  }
  // Waits for `count` callbacks in all; false when they did not come in time.
  bool WaitFor(std::size_t count, milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return calls_.size() >= count; });
  }
  std::vector<std::pair<std::size_t, std::vector<ActionResult>>> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::pair<std::size_t, std::vector<ActionResult>>> calls_;
};

HttpAction Action(int i) {
  return HttpAction("/cdc/items/" + std::to_string(i), "route:pg:1:" + std::to_string(i) + ":u:0",
                    "{\"n\":" + std::to_string(i) + "}");
}

class HttpSinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sink> MakeSink(Settings settings = {}, Settings headers = {},
                                 std::string url = "") {
    settings.emplace_back("url", url.empty() ? server_.Url("/cdc") : url);
    if (std::none_of(settings.begin(), settings.end(),
                     [](const auto& s) { return s.first == "timeout"; })) {
      settings.emplace_back("timeout", "2s");
    }
    Result<std::unique_ptr<Sink>> sink =
        CreateHttpSink(SinkSpec{"billing", "http", settings, headers}, runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink).value() : nullptr;
  }

  // One Write of `actions`; its results once the callback ran.
  std::vector<ActionResult> WriteOne(Sink& sink, std::vector<const SinkAction*> actions) {
    Callbacks callbacks;
    sink.Write(actions, callbacks.Make(0));
    EXPECT_TRUE(callbacks.WaitFor(1));
    std::vector<std::pair<std::size_t, std::vector<ActionResult>>> calls = callbacks.calls();
    if (calls.size() != 1) {
      ADD_FAILURE() << "callbacks: " << calls.size();
      return {};
    }
    EXPECT_EQ(calls[0].second.size(), actions.size());
    return calls[0].second;
  }

  ActionResult WriteOne(Sink& sink, const HttpAction& action) {
    std::vector<ActionResult> results = WriteOne(sink, std::vector<const SinkAction*>{&action});
    return results.empty() ? ActionResult::Fatal("no result") : results[0];
  }

  HttpTestServer server_;
  SinkRuntime runtime_{2};
};

TEST_F(HttpSinkTest, PostsOneActionWithItsIdempotencyKey) {
  std::unique_ptr<Sink> sink = MakeSink();
  EXPECT_EQ(sink->max_batch(), 1u);
  EXPECT_EQ(sink->max_concurrency(), 4u);
  ASSERT_TRUE(sink->Start(milliseconds(2000)).ok());
  HttpAction action = Action(7);
  ActionResult result = WriteOne(*sink, action);
  EXPECT_EQ(result.outcome, ActionOutcome::kApplied) << result.message;

  std::vector<ReceivedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/cdc/items/7");
  EXPECT_EQ(requests[0].body, R"({"n":7})");
  EXPECT_EQ(requests[0].Header("Idempotency-Key"), "route:pg:1:7:u:0");
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].Header("Host"), "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_FALSE(requests[0].HasHeader("Authorization"));
  // Start's connection carried the request.
  EXPECT_EQ(server_.connections_accepted(), 1u);
}

TEST_F(HttpSinkTest, ReusesKeptAliveConnections) {
  std::unique_ptr<Sink> sink = MakeSink({{"pool_size", "2"}});
  std::vector<HttpAction> actions;
  for (int i = 0; i < 20; ++i) actions.push_back(Action(i));
  for (int i = 0; i < 10; ++i) {  // one after the other: one connection
    EXPECT_EQ(WriteOne(*sink, actions[static_cast<std::size_t>(i)]).outcome,
              ActionOutcome::kApplied);
  }
  EXPECT_EQ(server_.connections_accepted(), 1u);

  Callbacks callbacks;  // ten at once: at most pool_size connections
  std::vector<std::vector<const SinkAction*>> batches;
  for (std::size_t i = 10; i < 20; ++i) batches.push_back({&actions[i]});
  for (std::size_t i = 0; i < batches.size(); ++i) sink->Write(batches[i], callbacks.Make(i));
  ASSERT_TRUE(callbacks.WaitFor(10));
  for (const auto& [index, results] : callbacks.calls()) {
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, ActionOutcome::kApplied) << index;
  }
  EXPECT_EQ(server_.requests().size(), 20u);
  EXPECT_LE(server_.connections_accepted(), 2u);
}

TEST_F(HttpSinkTest, ServiceUnavailableIsReportedAndNotRetriedByTheSink) {
  for (int i = 0; i < 3; ++i) server_.Enqueue({.status = 503, .headers = {{"Retry-After", "1"}}});
  std::unique_ptr<Sink> sink = MakeSink();
  HttpAction action = Action(1);
  for (int i = 0; i < 3; ++i) {
    ActionResult result = WriteOne(*sink, action);
    // 503 means the server is down for now: kUnavailable (sink.h), not counted as an attempt.
    EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable) << i;
    EXPECT_EQ(result.retry_after, std::chrono::seconds(1));
    EXPECT_EQ(server_.requests().size(), static_cast<std::size_t>(i + 1));
  }
  EXPECT_EQ(WriteOne(*sink, action).outcome, ActionOutcome::kApplied);
  EXPECT_EQ(server_.requests().size(), 4u);
}

TEST_F(HttpSinkTest, ServerErrorIsRetry) {
  server_.Enqueue({.status = 500, .body = "boom"});
  std::unique_ptr<Sink> sink = MakeSink();
  ActionResult result = WriteOne(*sink, Action(1));
  EXPECT_EQ(result.outcome, ActionOutcome::kRetry);
  EXPECT_EQ(result.message, "HTTP 500");
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(HttpSinkTest, ThrottledHonoursRetryAfter) {
  server_.Enqueue({.status = 429, .headers = {{"Retry-After", "2"}}});
  std::unique_ptr<Sink> sink = MakeSink();
  ActionResult result = WriteOne(*sink, Action(1));
  EXPECT_EQ(result.outcome, ActionOutcome::kRetry);
  EXPECT_EQ(result.retry_after, std::chrono::seconds(2));
}

TEST_F(HttpSinkTest, ClientErrorIsABadRecordWithStatusAndSnippet) {
  server_.Enqueue({.status = 400, .body = "{\"error\":\"amount must be positive\"}"});
  std::unique_ptr<Sink> sink = MakeSink();
  ActionResult result = WriteOne(*sink, Action(1));
  EXPECT_EQ(result.outcome, ActionOutcome::kBadRecord);
  EXPECT_THAT(result.message, HasSubstr("HTTP 400"));
  EXPECT_THAT(result.message, HasSubstr("amount must be positive"));
  // The connection stays usable after an error answer.
  EXPECT_EQ(WriteOne(*sink, Action(2)).outcome, ActionOutcome::kApplied);
  EXPECT_EQ(server_.connections_accepted(), 1u);
}

TEST_F(HttpSinkTest, RefusalOfTheSinksOwnPathIsFatal) {
  server_.Enqueue({.status = 401});
  std::unique_ptr<Sink> sink = MakeSink();
  const HttpAction at_base("/cdc", "route:pg:1:1:u:0", "{}");
  EXPECT_EQ(WriteOne(*sink, at_base).outcome, ActionOutcome::kFatal);
}

TEST_F(HttpSinkTest, RefusalOfAPathTheRecordChoseIsLeftToTheProbe) {
  server_.Enqueue({.status = 403});
  std::unique_ptr<Sink> sink = MakeSink();
  EXPECT_EQ(WriteOne(*sink, Action(1)).outcome, ActionOutcome::kRefused);
}

TEST_F(HttpSinkTest, RedirectIsNotFollowed) {
  server_.Enqueue({.status = 302, .headers = {{"Location", "/elsewhere"}}});
  std::unique_ptr<Sink> sink = MakeSink();
  ActionResult result = WriteOne(*sink, Action(1));
  EXPECT_EQ(result.outcome, ActionOutcome::kBadRecord);
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(HttpSinkTest, SlowServerTimesOutAsRetry) {
  server_.Enqueue({.delay = milliseconds(3000)});
  std::unique_ptr<Sink> sink = MakeSink({{"timeout", "200ms"}});
  ASSERT_TRUE(sink->Start(milliseconds(2000)).ok());
  const Clock::time_point start = Clock::now();
  ActionResult result = WriteOne(*sink, Action(1));
  EXPECT_EQ(result.outcome, ActionOutcome::kRetry);
  EXPECT_THAT(result.message, HasSubstr("timed out"));
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
  // The timed-out connection is dropped; the next request gets a new one.
  EXPECT_EQ(WriteOne(*sink, Action(2)).outcome, ActionOutcome::kApplied);
  EXPECT_EQ(server_.connections_accepted(), 2u);
}

TEST_F(HttpSinkTest, ServerDownStartsUnavailableAndWritesReportUnavailable) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedLocalPort()) + "/x";
  std::unique_ptr<Sink> sink = MakeSink({}, {}, url);
  Status started = sink->Start(milliseconds(1000));
  EXPECT_EQ(started.code(), StatusCode::kUnavailable) << started.ToString();
  ActionResult result = WriteOne(*sink, Action(1));
  EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable);
  EXPECT_THAT(result.message, HasSubstr("connect"));
}

TEST_F(HttpSinkTest, ConnectionCloseFromTheServerOpensANewConnection) {
  server_.Enqueue({.close_connection = true});
  std::unique_ptr<Sink> sink = MakeSink({{"pool_size", "1"}});
  EXPECT_EQ(WriteOne(*sink, Action(1)).outcome, ActionOutcome::kApplied);
  EXPECT_EQ(WriteOne(*sink, Action(2)).outcome, ActionOutcome::kApplied);
  EXPECT_EQ(server_.connections_accepted(), 2u);
}

TEST_F(HttpSinkTest, StaleKeptAliveConnectionIsRetriedOnceOnANewOne) {
  std::unique_ptr<Sink> sink = MakeSink({{"pool_size", "1"}});
  EXPECT_EQ(WriteOne(*sink, Action(1)).outcome, ActionOutcome::kApplied);
  server_.Enqueue({.drop = true});  // the kept-alive connection dies under the next request
  EXPECT_EQ(WriteOne(*sink, Action(2)).outcome, ActionOutcome::kApplied);
  std::vector<ReceivedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].Header("Idempotency-Key"), requests[2].Header("Idempotency-Key"));
  EXPECT_EQ(server_.connections_accepted(), 2u);
}

TEST_F(HttpSinkTest, DroppedFreshConnectionIsUnavailableAndNotRetried) {
  server_.Enqueue({.drop = true});
  std::unique_ptr<Sink> sink = MakeSink();
  EXPECT_EQ(WriteOne(*sink, Action(1)).outcome, ActionOutcome::kUnavailable);
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(HttpSinkTest, BatchModePostsOneJsonArrayWithOneOutcome) {
  std::unique_ptr<Sink> sink = MakeSink({{"batch_size", "3"}});
  EXPECT_EQ(sink->max_batch(), 3u);
  HttpAction a = Action(1), b = Action(2), c = Action(3);
  std::vector<ActionResult> results = WriteOne(*sink, {&a, &b, &c});
  EXPECT_THAT(results, Each(Field(&ActionResult::outcome, ActionOutcome::kApplied)));

  std::vector<ReceivedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/cdc");
  EXPECT_EQ(requests[0].body, R"([{"n":1},{"n":2},{"n":3}])");
  EXPECT_FALSE(requests[0].HasHeader("Idempotency-Key"));
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  EXPECT_EQ(parser.parse(requests[0].body).get(array), simdjson::SUCCESS);

  server_.Enqueue({.status = 422, .body = "item 2 is invalid"});
  results = WriteOne(*sink, {&a, &b});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_THAT(results, Each(Field(&ActionResult::outcome, ActionOutcome::kBadRecord)));
  EXPECT_THAT(results[1].message, HasSubstr("item 2 is invalid"));
}

TEST_F(HttpSinkTest, SendsHeadersAndBasicAuth) {
  std::unique_ptr<Sink> sink =
      MakeSink({{"username", "Aladdin"}, {"password", "open sesame"}},
               {{"X-Tenant", "acme"}, {"Content-Type", "application/vnd.acme+json"}});
  EXPECT_EQ(WriteOne(*sink, Action(1)).outcome, ActionOutcome::kApplied);
  std::vector<ReceivedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(requests[0].Header("X-Tenant"), "acme");
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/vnd.acme+json");
}

TEST_F(HttpSinkTest, CloseWithRequestsInFlightRunsEveryCallbackOnce) {
  server_.SetDefault({.delay = milliseconds(5000)});
  std::unique_ptr<Sink> sink = MakeSink({{"pool_size", "2"}, {"timeout", "10s"}});
  std::vector<HttpAction> actions;
  for (int i = 0; i < 5; ++i) actions.push_back(Action(i));
  std::vector<std::vector<const SinkAction*>> batches;
  for (const HttpAction& action : actions) batches.push_back({&action});
  Callbacks callbacks;
  for (std::size_t i = 0; i < batches.size(); ++i) sink->Write(batches[i], callbacks.Make(i));
  ASSERT_TRUE(server_.WaitForRequests(2, kWait));  // two in flight, three waiting

  const Clock::time_point start = Clock::now();
  sink->Close();
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  // Close returned: every callback has run, once.
  std::vector<std::pair<std::size_t, std::vector<ActionResult>>> calls = callbacks.calls();
  ASSERT_EQ(calls.size(), 5u);
  std::set<std::size_t> seen;
  for (const auto& [index, results] : calls) {
    seen.insert(index);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, ActionOutcome::kUnavailable) << index;
  }
  EXPECT_EQ(seen.size(), 5u);

  sink->Close();  // idempotent
  Callbacks late;
  sink->Write(batches[0], late.Make(0));  // after Close: answered, not sent
  ASSERT_TRUE(late.WaitFor(1));
  EXPECT_EQ(late.calls()[0].second[0].outcome, ActionOutcome::kUnavailable);
  EXPECT_FALSE(callbacks.WaitFor(6, milliseconds(50)));  // and nothing ran twice
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(HttpSinkTest, DestroyingAnOpenSinkClosesIt) {
  server_.SetDefault({.delay = milliseconds(5000)});
  Callbacks callbacks;
  HttpAction action = Action(1);
  std::vector<const SinkAction*> batch = {&action};
  {
    std::unique_ptr<Sink> sink = MakeSink();
    sink->Write(batch, callbacks.Make(0));
    ASSERT_TRUE(server_.WaitForRequests(1, kWait));
  }
  ASSERT_EQ(callbacks.calls().size(), 1u);
  EXPECT_EQ(callbacks.calls()[0].second[0].outcome, ActionOutcome::kUnavailable);
}

TEST_F(HttpSinkTest, ForeignActionIsFatal) {
  struct OtherAction : SinkAction {};
  OtherAction other;
  std::unique_ptr<Sink> sink = MakeSink();
  std::vector<ActionResult> results = WriteOne(*sink, {&other});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, ActionOutcome::kFatal);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(HttpSinkTest, TestServerResponderAnswersWhenTheScriptIsEmpty) {
  server_.Enqueue({.status = 201});
  server_.SetResponder([](const ReceivedRequest& request) {
    return ScriptedResponse{.status = request.body == R"({"n":2})" ? 422u : 204u};
  });
  std::unique_ptr<Sink> sink = MakeSink();
  EXPECT_EQ(WriteOne(*sink, Action(2)).outcome, ActionOutcome::kApplied);  // scripted 201
  EXPECT_EQ(WriteOne(*sink, Action(2)).outcome, ActionOutcome::kBadRecord);
  EXPECT_EQ(WriteOne(*sink, Action(3)).outcome, ActionOutcome::kApplied);
  server_.SetResponder({});
}

TEST(HttpSinkFactoryTest, RegistersAndRejectsBadSettings) {
  SinkRegistry registry;
  ASSERT_TRUE(RegisterHttpSink(registry).ok());
  EXPECT_TRUE(registry.Has("http"));
  EXPECT_EQ(RegisterHttpSink(registry).code(), StatusCode::kAlreadyExists);
  SinkRuntime runtime(1);
  // A CA file that cannot be read is a configuration error when the sink is made, not a
  // failure of every connection later.
  Result<std::unique_ptr<Sink>> https = registry.Create(
      SinkSpec{"billing",
               "http",
               {{"url", "https://example.com"}, {"tls_ca_file", "/nonexistent/ca.pem"}},
               {}},
      runtime);
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(https.status().message()),
              HasSubstr("tls_ca_file: cannot load /nonexistent/ca.pem"));
  Result<std::unique_ptr<Sink>> ok =
      registry.Create(SinkSpec{"billing", "http", {{"url", "http://127.0.0.1:1"}}, {}}, runtime);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

}  // namespace
}  // namespace fanout
