// The Elasticsearch sink against an in-process HTTP server playing the server's part
// (tests/support/http_test_server.h): the requests it sends, batch splitting on whole-request
// refusals, Start, and Close with requests in flight. The real server's behaviour is in
// tests/integration/elasticsearch_sink_test.cc. No test sleeps: each waits for a callback,
// bounded.
#include "sinks/elasticsearch/elasticsearch_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "sinks/elasticsearch/action_builder.h"
#include "sinks/elasticsearch/responses.h"
#include "sinks/runtime.h"
#include "tests/support/http_test_server.h"

namespace fanout {
namespace {

using std::chrono::milliseconds;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using testing::HttpTestServer;
using testing::ReceivedRequest;
using testing::ScriptedResponse;
using Settings = std::vector<std::pair<std::string, std::string>>;

constexpr milliseconds kWait{5000};  // bound on any wait for a callback; never reached when green

// Collects Write callbacks from the sink's threads.
class Callbacks {
 public:
  WriteCallback Make() {
    return [this](std::vector<ActionResult> results) {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.push_back(std::move(results));
      arrived_.notify_all();
    };
  }
  bool WaitFor(std::size_t count, milliseconds timeout = kWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return calls_.size() >= count; });
  }
  std::vector<std::vector<ActionResult>> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::vector<ActionResult>> calls_;
};

// One index item for document `id` with `document` as its source.
ElasticsearchAction Action(const std::string& id, const std::string& document = "{\"n\":1}") {
  ElasticsearchAction action;
  AppendBulkActionLine(BulkItemKind::kIndex, "items", id, 7, action.mutable_ndjson());
  action.mutable_ndjson()->append(document + "\n");
  action.AddItem(BulkItemKind::kIndex);
  return action;
}

// The ids of the items in a bulk request body.
std::vector<std::string> Ids(const std::string& body) {
  std::vector<std::string> ids;
  for (std::size_t at = body.find("\"_id\":\""); at != std::string::npos;
       at = body.find("\"_id\":\"", at + 1)) {
    const std::size_t start = at + 7;
    ids.push_back(body.substr(start, body.find('"', start) - start));
  }
  return ids;
}

// What a server answers when every item of `request` succeeds.
ScriptedResponse AllCreated(const ReceivedRequest& request) {
  std::string body = R"({"errors":false,"items":[)";
  for (std::size_t i = 0; i < Ids(request.body).size(); ++i) {
    body += std::string(i == 0 ? "" : ",") + R"({"index":{"status":201}})";
  }
  return ScriptedResponse{.status = 200, .body = body + "]}"};
}

class ElasticsearchSinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sink> MakeSink(Settings settings = {}, std::string path = "") {
    settings.emplace_back("url", server_.Url(path));
    settings.emplace_back("timeout", "2s");
    Result<std::unique_ptr<Sink>> sink =
        CreateElasticsearchSink(SinkSpec{"search", "elasticsearch", settings, {}}, runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink).value() : nullptr;
  }

  std::vector<ActionResult> WriteAndWait(Sink& sink, std::vector<const SinkAction*> batch) {
    Callbacks callbacks;
    sink.Write(batch, callbacks.Make());
    EXPECT_TRUE(callbacks.WaitFor(1));
    std::vector<std::vector<ActionResult>> calls = callbacks.calls();
    return calls.empty() ? std::vector<ActionResult>{} : calls.front();
  }

  HttpTestServer server_;
  SinkRuntime runtime_{2};
};

TEST_F(ElasticsearchSinkTest, OneWriteIsOneBulkRequest) {
  server_.SetResponder(AllCreated);
  std::unique_ptr<Sink> sink =
      MakeSink({{"username", "elastic"}, {"password", "changeme"}, {"batch_size", "3"}}, "/es/");
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->max_batch(), 3u);
  EXPECT_EQ(sink->max_concurrency(), 4u);
  ElasticsearchAction a = Action("a");
  ElasticsearchAction b = Action("b", R"({"text":"line\nbreak"})");
  EXPECT_THAT(WriteAndWait(*sink, {&a, &b}),
              Each(Field(&ActionResult::outcome, ActionOutcome::kApplied)));
  std::vector<ReceivedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/es/_bulk?filter_path=" + std::string(kBulkFilterPath));
  EXPECT_EQ(request.Header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(request.Header("Authorization"), "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
  EXPECT_EQ(request.body, std::string(a.ndjson()) + std::string(b.ndjson()));
  sink->Close();
}

TEST_F(ElasticsearchSinkTest, ARefusedBatchIsSplitUntilTheCulpritStandsAlone) {
  // Like http.max_content_length: any request carrying the huge document is refused whole.
  server_.SetResponder([](const ReceivedRequest& request) {
    if (request.body.find("huge") != std::string::npos) {
      return ScriptedResponse{.status = 413, .body = ""};
    }
    return AllCreated(request);
  });
  std::unique_ptr<Sink> sink = MakeSink();
  ElasticsearchAction a = Action("a");
  ElasticsearchAction b = Action("b");
  ElasticsearchAction huge = Action("c", R"({"blob":"huge"})");
  ElasticsearchAction d = Action("d");
  std::vector<ActionResult> results = WriteAndWait(*sink, {&a, &b, &huge, &d});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, ActionOutcome::kApplied);
  EXPECT_EQ(results[1].outcome, ActionOutcome::kApplied);
  EXPECT_EQ(results[2].outcome, ActionOutcome::kBadRecord);
  EXPECT_THAT(results[2].message, HasSubstr("413"));
  EXPECT_EQ(results[3].outcome, ActionOutcome::kApplied);
  // Halves go one after another, first half first: per-document order holds.
  std::vector<std::vector<std::string>> sent;
  for (const ReceivedRequest& request : server_.requests()) sent.push_back(Ids(request.body));
  EXPECT_THAT(sent, ElementsAre(ElementsAre("a", "b", "c", "d"), ElementsAre("a", "b"),
                                ElementsAre("c", "d"), ElementsAre("c"), ElementsAre("d")));
  sink->Close();
}

TEST_F(ElasticsearchSinkTest, PerItemResultsMapOntoTheActions) {
  server_.Enqueue(ScriptedResponse{
      .status = 200,
      .body = R"({"errors":true,"items":[{"index":{"status":201}},{"index":{"status":429,)"
              R"("error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]})"});
  std::unique_ptr<Sink> sink = MakeSink();
  ElasticsearchAction a = Action("a");
  ElasticsearchAction b = Action("b");
  std::vector<ActionResult> results = WriteAndWait(*sink, {&a, &b});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, ActionOutcome::kApplied);
  EXPECT_EQ(results[1].outcome, ActionOutcome::kRetry);
  EXPECT_THAT(results[1].message, HasSubstr("es_rejected_execution_exception: queue full"));
  sink->Close();
}

TEST_F(ElasticsearchSinkTest, StartChecksTheServer) {
  std::unique_ptr<Sink> sink = MakeSink({}, "/es");
  server_.Enqueue(ScriptedResponse{
      .status = 200, .body = R"({"version":{"distribution":"opensearch","number":"2.19.1"}})"});
  EXPECT_TRUE(sink->Start(milliseconds(2000)).ok());
  ASSERT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(server_.requests()[0].method, "GET");
  EXPECT_EQ(server_.requests()[0].target, "/es");

  server_.Enqueue(ScriptedResponse{
      .status = 401,
      .body = R"({"error":{"type":"security_exception","reason":"unable to authenticate user"}})"});
  Status refused = sink->Start(milliseconds(2000));
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("refused the credentials"));
  sink->Close();

  Result<std::unique_ptr<Sink>> down = CreateElasticsearchSink(
      SinkSpec{"search",
               "elasticsearch",
               {{"url", "http://127.0.0.1:" + std::to_string(testing::UnusedLocalPort())}},
               {}},
      runtime_);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ((*down)->Start(milliseconds(2000)).code(), StatusCode::kUnavailable);
  ElasticsearchAction a = Action("a");
  EXPECT_THAT(WriteAndWait(**down, {&a}),
              ElementsAre(Field(&ActionResult::outcome, ActionOutcome::kUnavailable)));
  (*down)->Close();
}

TEST_F(ElasticsearchSinkTest, CloseEndsWritesInFlightOnceEach) {
  server_.SetDefault(ScriptedResponse{.status = 200, .delay = milliseconds(3000)});
  std::unique_ptr<Sink> sink = MakeSink({{"pool_size", "1"}});
  ElasticsearchAction a = Action("a");
  ElasticsearchAction b = Action("b");
  Callbacks callbacks;
  sink->Write(std::vector<const SinkAction*>{&a}, callbacks.Make());  // in flight
  sink->Write(std::vector<const SinkAction*>{&b}, callbacks.Make());  // waiting for a connection
  ASSERT_TRUE(server_.WaitForRequests(1, kWait));
  sink->Close();  // returns once every callback has run
  std::vector<std::vector<ActionResult>> calls = callbacks.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const std::vector<ActionResult>& call : calls) {
    EXPECT_THAT(call, ElementsAre(Field(&ActionResult::outcome, ActionOutcome::kUnavailable)));
  }
  sink->Close();  // idempotent
  Callbacks after;
  sink->Write(std::vector<const SinkAction*>{&a}, after.Make());
  ASSERT_TRUE(after.WaitFor(1));
  EXPECT_EQ(after.calls()[0][0].outcome, ActionOutcome::kUnavailable);
  EXPECT_EQ(callbacks.calls().size(), 2u);  // never a second callback
}

TEST_F(ElasticsearchSinkTest, ABatchOverTheLimitOrOfForeignActionsIsRefused) {
  std::unique_ptr<Sink> sink = MakeSink({{"batch_size", "1"}});
  ElasticsearchAction a = Action("a");
  ElasticsearchAction b = Action("b");
  EXPECT_THAT(WriteAndWait(*sink, {&a, &b}),
              Each(Field(&ActionResult::outcome, ActionOutcome::kFatal)));
  struct Foreign : SinkAction {
  } foreign;
  EXPECT_THAT(WriteAndWait(*sink, {&foreign}),
              Each(Field(&ActionResult::outcome, ActionOutcome::kFatal)));
  EXPECT_TRUE(server_.requests().empty());
  sink->Close();
}

}  // namespace
}  // namespace fanout
