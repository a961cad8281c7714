// The Elasticsearch sink against the stack's real OpenSearch (FANOUT_OPENSEARCH_URL, see
// stack/env): versioned index and delete, replays, stale versions, soft deletes, per-item bad
// records, a whole-request refusal split down to its culprit, real Debezium events, outages and
// Close. Every test writes to indexes named after itself and deletes them afterwards. No test
// sleeps for a fixed time: each waits for a callback, bounded.
#include "sinks/elasticsearch/elasticsearch_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "processor/debezium/decoder.h"
#include "processor/route/router.h"
#include "sinks/elasticsearch/action_builder.h"
#include "sinks/net/http_client_settings.h"
#include "sinks/runtime.h"
#include "tests/support/bound_routes.h"
#include "tests/support/http_test_server.h"
#include "tests/support/jsonl_records.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

namespace http = boost::beast::http;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using Settings = std::vector<std::pair<std::string, std::string>>;
using Templates = std::vector<std::pair<std::string, std::string>>;
constexpr auto kWait = std::chrono::seconds(30);  // bound on any wait; never reached when green

struct Reply {
  unsigned status = 0;
  std::string body;
};

// A plain synchronous client to look at (and prepare) what the sink writes.
class Client {
 public:
  explicit Client(HttpUrl url) : url_(std::move(url)) {}

  Reply Call(http::verb method, const std::string& target, const std::string& body = "") {
    Reply reply;
    boost::beast::error_code error;
    boost::asio::io_context context;
    boost::asio::ip::tcp::resolver resolver(context);
    boost::beast::tcp_stream stream(context);
    stream.expires_after(std::chrono::seconds(30));
    auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), error);
    if (!error) stream.connect(endpoints, error);
    http::request<http::string_body> request(method, url_.base_path + target, 11);
    request.set(http::field::host, url_.host_header);
    request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    if (!error) http::write(stream, request, error);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!error) http::read(stream, buffer, response, error);
    EXPECT_FALSE(error) << "OpenSearch: " << error.message();
    reply.status = response.result_int();
    reply.body = response.body();
    return reply;
  }

  // The document's _source (compact JSON), or nullopt when there is none.
  std::optional<std::string> Source(const std::string& index, const std::string& id) {
    Reply reply = Call(http::verb::get, "/" + index + "/_doc/" + id);
    if (reply.status == 404) return std::nullopt;
    EXPECT_EQ(reply.status, 200u) << reply.body;
    simdjson::dom::parser parser;
    simdjson::dom::element source;
    if (parser.parse(reply.body)["_source"].get(source) != simdjson::SUCCESS) return std::nullopt;
    return simdjson::minify(source);
  }

  // The document's stored version, or -1.
  std::int64_t StoredVersion(const std::string& index, const std::string& id) {
    Reply reply = Call(http::verb::get, "/" + index + "/_doc/" + id);
    simdjson::dom::parser parser;
    std::int64_t version = -1;
    if (parser.parse(reply.body)["_version"].get_int64().get(version) != simdjson::SUCCESS) {
      return -1;
    }
    return version;
  }

 private:
  HttpUrl url_;
};

Row Product(int id, const std::string& name, const std::string& price = "9.99") {
  Row row;
  row.push_back({"id", Value::Int(id)});
  row.push_back({"name", Value::String(name)});
  row.push_back({"price", Value::Decimal(price)});
  return row;
}

// A PostgreSQL change of public.products in a transaction whose previous commit ended at
// `version` (so its version is `version`).
ChangeEvent Change(Op op, std::optional<Row> before, std::optional<Row> after,
                   std::uint64_t version) {
  ChangeEvent event;
  event.op = op;
  event.connector = "postgresql";
  event.schema = "public";
  event.table = "products";
  const Row& image = after ? *after : *before;
  event.key.push_back(image.front());
  event.before = std::move(before);
  event.after = std::move(after);
  event.position = {SourcePosition::Kind::kPostgres, version, version, 0};
  event.origin.topic = "it.public.products";
  return event;
}

ChangeEvent Upsert(int id, const std::string& name, std::uint64_t version) {
  return Change(Op::kUpdate, std::nullopt, Product(id, name), version);
}

ChangeEvent Delete(int id, std::uint64_t version) {
  Row key;
  key.push_back({"id", Value::Int(id)});
  return Change(Op::kDelete, key, std::nullopt, version);
}

class ElasticsearchSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_text_ = RequireEnv("FANOUT_OPENSEARCH_URL");
    Result<HttpUrl> url = ParseHttpUrl(url_text_);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    client_ = std::make_unique<Client>(*url);
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    index_ = "fanout-it-" + std::to_string(::getpid()) + "-" + name;
  }

  void TearDown() override {
    for (auto& sink : sinks_) sink->Close();
    runtime_.Stop();
    if (!client_) return;
    client_->Call(http::verb::delete_, "/" + index_ + "?ignore_unavailable=true");
  }

  Sink& MakeSink(Settings extra = {}, std::string url = "") {
    Settings settings = {{"url", url.empty() ? url_text_ : url}, {"timeout", "10s"}};
    for (auto& setting : extra) settings.push_back(std::move(setting));
    Result<std::unique_ptr<Sink>> sink =
        CreateElasticsearchSink(SinkSpec{"search", "elasticsearch", settings, {}}, runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    sinks_.push_back(std::move(sink).value());
    return *sinks_.back();
  }

  // Binds a route; "@" in a template stands for this test's index name.
  const ActionBuilder& Bind(Sink& sink, Templates templates = {{"index", "@"}},
                            Settings options = {}) {
    for (auto& [name, text] : templates) {
      if (const std::size_t at = text.find('@'); at != std::string::npos) {
        text.replace(at, 1, index_);
      }
    }
    RouteSpec spec;
    spec.name = "route" + std::to_string(routes_.size());
    spec.sink = "search";
    spec.templates = std::move(templates);
    return routes_.Bind(sink, std::move(spec), std::move(options));
  }

  std::vector<std::unique_ptr<SinkAction>> Build(const ActionBuilder& builder,
                                                 const std::vector<ChangeEvent>& events) {
    std::vector<std::unique_ptr<SinkAction>> actions;
    for (const ChangeEvent& event : events) {
      Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
      EXPECT_TRUE(action.ok() && *action != nullptr) << action.status().ToString();
      if (action.ok() && *action != nullptr) actions.push_back(std::move(action).value());
    }
    return actions;
  }

  // Writes `actions` as one batch and waits for the callback.
  static std::vector<ActionResult> Write(Sink& sink,
                                         const std::vector<std::unique_ptr<SinkAction>>& actions) {
    std::vector<const SinkAction*> batch;
    for (const auto& action : actions) batch.push_back(action.get());
    auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
    std::future<std::vector<ActionResult>> future = promise->get_future();
    sink.Write(batch, [promise](std::vector<ActionResult> results) {
      promise->set_value(std::move(results));
    });
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no callback";
      return {};
    }
    return future.get();
  }

  std::vector<ActionOutcome> Apply(Sink& sink, const ActionBuilder& builder,
                                   const std::vector<ChangeEvent>& events) {
    return Outcomes(Write(sink, Build(builder, events)));
  }

  static std::vector<ActionOutcome> Outcomes(const std::vector<ActionResult>& results) {
    std::vector<ActionOutcome> out;
    for (const ActionResult& result : results) out.push_back(result.outcome);
    return out;
  }

  SinkRuntime runtime_{2};
  std::string url_text_;
  std::unique_ptr<Client> client_;
  std::string index_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  BoundRoutes routes_;
};

TEST_F(ElasticsearchSinkTest, StartReachesTheServer) {
  Sink& sink = MakeSink();
  EXPECT_TRUE(sink.Start(std::chrono::seconds(10)).ok());
}

TEST_F(ElasticsearchSinkTest, IndexUpdateAndDeleteAreApplied) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink);
  EXPECT_THAT(Apply(sink, builder, {Upsert(1, "lamp", 100), Upsert(2, "desk", 100)}),
              Each(ActionOutcome::kApplied));
  EXPECT_EQ(client_->Source(index_, "1"), R"({"id":1,"name":"lamp","price":"9.99"})");
  EXPECT_EQ(client_->StoredVersion(index_, "1"), 100);
  EXPECT_THAT(Apply(sink, builder, {Upsert(1, "red lamp", 200)}),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(client_->Source(index_, "1"), R"({"id":1,"name":"red lamp","price":"9.99"})");
  EXPECT_EQ(client_->StoredVersion(index_, "1"), 200);
  EXPECT_THAT(Apply(sink, builder, {Delete(2, 300)}), ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(client_->Source(index_, "2"), std::nullopt);
  // Deleting what is not there is done too.
  EXPECT_THAT(Apply(sink, builder, {Delete(99, 300)}), ElementsAre(ActionOutcome::kApplied));
}

TEST_F(ElasticsearchSinkTest, ReplayingABatchChangesNothing) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink);
  const std::vector<ChangeEvent> batch = {Upsert(1, "a", 100), Upsert(1, "b", 110),
                                          Upsert(2, "c", 120), Delete(3, 130)};
  EXPECT_THAT(Apply(sink, builder, batch), Each(ActionOutcome::kApplied));
  // Kafka redelivers it, or Debezium re-emits it: the superseded change is already applied;
  // the latest ones are written again with the same version (external_gte), i.e. unchanged.
  EXPECT_THAT(Apply(sink, builder, batch),
              ElementsAre(ActionOutcome::kAlreadyApplied, ActionOutcome::kApplied,
                          ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(client_->Source(index_, "1"), R"({"id":1,"name":"b","price":"9.99"})");
  EXPECT_EQ(client_->StoredVersion(index_, "1"), 110);
  EXPECT_EQ(client_->Source(index_, "3"), std::nullopt);
}

TEST_F(ElasticsearchSinkTest, AnOlderVersionNeverOverwritesANewerOne) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink);
  ASSERT_THAT(Apply(sink, builder, {Upsert(1, "new", 200)}), ElementsAre(ActionOutcome::kApplied));
  std::vector<ActionResult> stale = Write(sink, Build(builder, {Upsert(1, "old", 150)}));
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].outcome, ActionOutcome::kAlreadyApplied);
  EXPECT_THAT(stale[0].message, HasSubstr("version_conflict_engine_exception"));
  // In one batch, after the newer one.
  EXPECT_THAT(Apply(sink, builder, {Upsert(1, "newer", 300), Upsert(1, "stale", 250)}),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(client_->Source(index_, "1"), R"({"id":1,"name":"newer","price":"9.99"})");
  // A delete is versioned too: an older change cannot bring the row back (within
  // index.gc_deletes), and an older delete cannot remove a newer row.
  EXPECT_THAT(Apply(sink, builder, {Delete(1, 400)}), ElementsAre(ActionOutcome::kApplied));
  EXPECT_THAT(Apply(sink, builder, {Upsert(1, "zombie", 350)}),
              ElementsAre(ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(client_->Source(index_, "1"), std::nullopt);
  EXPECT_THAT(Apply(sink, builder, {Upsert(2, "kept", 500), Delete(2, 450)}),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(client_->Source(index_, "2"), R"({"id":2,"name":"kept","price":"9.99"})");
}

TEST_F(ElasticsearchSinkTest, SoftDeleteKeepsAVersionedTombstone) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink, {{"index", "@"}}, {{"delete_mode", "soft"}});
  ASSERT_THAT(Apply(sink, builder, {Upsert(1, "lamp", 100)}), ElementsAre(ActionOutcome::kApplied));
  EXPECT_THAT(Apply(sink, builder, {Delete(1, 200)}), ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(client_->Source(index_, "1"), R"({"_deleted":true,"id":1})");
  EXPECT_EQ(client_->StoredVersion(index_, "1"), 200);
  // The tombstone never expires: an old change replayed however late stays out.
  EXPECT_THAT(Apply(sink, builder, {Upsert(1, "zombie", 150)}),
              ElementsAre(ActionOutcome::kAlreadyApplied));
  // The row comes back (a newer insert): a live document again.
  EXPECT_THAT(Apply(sink, builder, {Change(Op::kCreate, std::nullopt, Product(1, "again"), 300)}),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(client_->Source(index_, "1"), R"({"id":1,"name":"again","price":"9.99"})");
}

TEST_F(ElasticsearchSinkTest, AMappingConflictIsABadRecordAndTheRestIsApplied) {
  ASSERT_EQ(client_
                ->Call(http::verb::put, "/" + index_,
                       R"({"mappings":{"properties":{"name":{"type":"integer"}}}})")
                .status,
            200u);
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink);
  std::vector<ActionResult> results = Write(
      sink, Build(builder, {Upsert(1, "1", 100), Upsert(2, "lamp", 100), Upsert(3, "3", 100)}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, ActionOutcome::kApplied);
  EXPECT_EQ(results[1].outcome, ActionOutcome::kBadRecord);
  EXPECT_THAT(results[1].message, HasSubstr("mapper_parsing_exception"));
  EXPECT_THAT(results[1].message, HasSubstr("[name]"));
  EXPECT_THAT(results[1].message, ::testing::Not(HasSubstr("lamp")));  // no document data
  EXPECT_EQ(results[2].outcome, ActionOutcome::kApplied);
  EXPECT_NE(client_->Source(index_, "3"), std::nullopt);
  EXPECT_EQ(client_->Source(index_, "2"), std::nullopt);
}

TEST_F(ElasticsearchSinkTest, ARequestRefusedWholeIsSplitDownToItsCulprit) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink);
  std::vector<std::unique_ptr<SinkAction>> actions =
      Build(builder, {Upsert(1, "a", 100), Upsert(2, "b", 100), Upsert(3, "c", 100)});
  // An `_id` the builder would refuse: the server validates it for the whole request (400).
  auto oversized = std::make_unique<ElasticsearchAction>();
  AppendBulkActionLine(BulkItemKind::kIndex, index_, std::string(600, 'x'), 100,
                       oversized->mutable_ndjson());
  oversized->mutable_ndjson()->append("{\"id\":4}\n");
  oversized->AddItem(BulkItemKind::kIndex);
  actions.insert(actions.begin() + 1, std::move(oversized));
  std::vector<ActionResult> results = Write(sink, actions);
  EXPECT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kApplied, ActionOutcome::kApplied));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_THAT(results[1].message, HasSubstr("is too long, must be no longer than 512 bytes"));
  for (const char* id : {"1", "2", "3"}) EXPECT_NE(client_->Source(index_, id), std::nullopt);
}

TEST_F(ElasticsearchSinkTest, RealDebeziumEventsLeaveTheIndexEqualToTheTable) {
  Sink& sink = MakeSink();
  ColumnProjection projection;
  projection.include = {"id", "first_name", "email"};
  RouteSpec spec;
  spec.name = "customers";
  spec.sink = "search";
  spec.templates = {{"index", index_}};
  spec.projection = projection;
  Router router = Router::Create({spec}).value();
  Settings options;
  Result<std::unique_ptr<ActionBuilder>> builder = sink.Bind({&router.routes().front(), &options});
  ASSERT_TRUE(builder.ok());
  DebeziumDecoder decoder;
  std::vector<ChangeEvent> events;
  for (const CapturedRecord& record :
       ReadCapturedRecords(std::string(FANOUT_REPO_DIR) +
                           "/tests/data/debezium/postgres/capschema.public.customers.jsonl")) {
    ChangeEvent event;
    ASSERT_TRUE(decoder.Decode(record.View(), &event).ok());
    if (event.kind == RecordKind::kChange) events.push_back(std::move(event));
  }
  // Twice, as after a crash that lost the committed offsets: the second pass changes nothing.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::unique_ptr<SinkAction>> actions;
    for (const ChangeEvent& event : events) {
      Result<std::unique_ptr<SinkAction>> action = (*builder)->Build(event, KafkaRecordView{});
      ASSERT_TRUE(action.ok()) << action.status().ToString();
      actions.push_back(std::move(action).value());
    }
    std::vector<ActionResult> results = Write(sink, actions);
    EXPECT_THAT(
        results,
        Each(Field(&ActionResult::outcome,
                   ::testing::AnyOf(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied))));
  }
  // Rows 1, 3, 5, 6 and 102 (2 after its primary-key change) exist; 2 and 4 were deleted.
  EXPECT_EQ(client_->Source(index_, "1"),
            R"({"id":1,"first_name":"Ada","email":"ada.lovelace@example.org"})");
  EXPECT_EQ(client_->Source(index_, "102"),
            R"({"id":102,"first_name":"Alan","email":"alan@example.com"})");
  for (const char* id : {"3", "5", "6"}) EXPECT_NE(client_->Source(index_, id), std::nullopt);
  for (const char* id : {"2", "4"}) EXPECT_EQ(client_->Source(index_, id), std::nullopt);
}

TEST_F(ElasticsearchSinkTest, UnreachableServerIsUnavailable) {
  Sink& sink = MakeSink({}, "http://127.0.0.1:" + std::to_string(UnusedLocalPort()));
  const ActionBuilder& builder = Bind(sink);
  EXPECT_EQ(sink.Start(std::chrono::seconds(2)).code(), StatusCode::kUnavailable);
  EXPECT_THAT(Apply(sink, builder, {Upsert(1, "a", 100), Delete(2, 100)}),
              Each(ActionOutcome::kUnavailable));
}

TEST_F(ElasticsearchSinkTest, CloseWithWritesInFlightCallsEachCallbackOnce) {
  Sink& sink = MakeSink({{"pool_size", "2"}, {"batch_size", "2000"}});
  const ActionBuilder& builder = Bind(sink);
  constexpr std::size_t kWrites = 6;
  std::vector<std::vector<std::unique_ptr<SinkAction>>> batches;
  for (std::size_t w = 0; w < kWrites; ++w) {
    std::vector<ChangeEvent> events;
    for (int i = 0; i < 2000; ++i)
      events.push_back(Upsert(static_cast<int>(w) * 2000 + i, "item", 100));
    batches.push_back(Build(builder, events));
  }
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<int> calls(kWrites, 0);
  std::vector<ActionOutcome> outcomes;
  for (std::size_t w = 0; w < kWrites; ++w) {
    std::vector<const SinkAction*> batch;
    for (const auto& action : batches[w]) batch.push_back(action.get());
    sink.Write(batch, [&, w](std::vector<ActionResult> results) {
      std::lock_guard<std::mutex> lock(mutex);
      ++calls[w];
      EXPECT_EQ(results.size(), 2000u);
      for (const ActionResult& result : results) outcomes.push_back(result.outcome);
      arrived.notify_all();
    });
  }
  {
    // Once the first write is back, the next ones are on the wire or waiting for a connection.
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(arrived.wait_for(lock, kWait, [&] { return !outcomes.empty(); }));
  }
  sink.Close();  // returns once every callback has run
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_THAT(calls, Each(1));
  // What was in flight either made it or is reported for another try: unavailable once the
  // pool closed, or retry when OpenSearch timed out a 2000-document bulk (seen on a loaded
  // machine). Never a dead letter or a stop.
  EXPECT_THAT(outcomes, Each(::testing::AnyOf(ActionOutcome::kApplied, ActionOutcome::kRetry,
                                              ActionOutcome::kUnavailable)));
}

}  // namespace
}  // namespace fanout::testing
