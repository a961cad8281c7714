// The HTTP sink's request builder on real Debezium 3.2 PostgreSQL captures
// (tests/data/debezium/postgres/) and on hand-built events.
#include "sinks/http/action_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

#include "processor/core/idempotency_key.h"
#include "processor/debezium/decoder.h"
#include "processor/route/router.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using testing::CapturedRecord;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::vector<std::pair<std::string, std::string>> kNoOptions;

// The customers capture: r r r r (snapshot) c c (one transaction) u u d T d T c (key change).
class HttpRequestBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    records_ = testing::ReadCapturedRecords(
        std::string(FANOUT_TEST_DATA_DIR) + "/debezium/postgres/capschema.public.customers.jsonl",
        &error);
    ASSERT_EQ(error, "");
    ASSERT_EQ(records_.size(), 13u);
    DebeziumDecoder decoder;
    for (const CapturedRecord& record : records_) {
      ChangeEvent event;
      ASSERT_TRUE(decoder.Decode(record.View(), &event).ok());
      events_.push_back(std::move(event));
    }
  }

  const CompiledRoute& Route(RouteSpec spec) {
    if (spec.name.empty()) spec.name = "billing";
    spec.sink = "http";
    Result<Router> router = Router::Create({std::move(spec)});
    EXPECT_TRUE(router.ok()) << router.status().ToString();
    routers_.push_back(std::make_unique<Router>(std::move(router).value()));
    return routers_.back()->routes().front();
  }

  std::unique_ptr<HttpActionBuilder> Builder(
      const CompiledRoute& route, const std::vector<std::pair<std::string, std::string>>& options,
      std::string base_path = "/cdc", bool batch = false) {
    Result<std::unique_ptr<HttpActionBuilder>> builder =
        HttpActionBuilder::Create(RouteBinding{&route, &options}, std::move(base_path), batch);
    EXPECT_TRUE(builder.ok()) << builder.status().ToString();
    return builder.ok() ? std::move(builder).value() : nullptr;
  }

  std::string BindError(const RouteSpec& spec,
                        const std::vector<std::pair<std::string, std::string>>& options,
                        bool batch = false) {
    const CompiledRoute& route = Route(spec);
    Result<std::unique_ptr<HttpActionBuilder>> builder =
        HttpActionBuilder::Create(RouteBinding{&route, &options}, "", batch);
    EXPECT_FALSE(builder.ok());
    return std::string(builder.status().message());
  }

  const HttpAction& Build(const HttpActionBuilder& builder, std::size_t i) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(events_[i], records_[i].View());
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    actions_.push_back(std::move(action).value());
    return dynamic_cast<const HttpAction&>(*actions_.back());
  }

  std::string Key(std::size_t i, std::string_view route = "billing") {
    return IdempotencyKey(route, events_[i], records_[i].View());
  }

  std::vector<CapturedRecord> records_;
  std::vector<ChangeEvent> events_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::vector<std::unique_ptr<SinkAction>> actions_;
  simdjson::dom::parser parser_;
};

TEST_F(HttpRequestBuilderTest, AfterBodyOfAnUpdate) {
  auto builder = Builder(Route({}), kNoOptions);
  const HttpAction& action = Build(*builder, 6);  // u of id 1, no before image
  EXPECT_EQ(action.target(), "/cdc");
  EXPECT_EQ(action.idempotency_key(), Key(6));

  simdjson::dom::element body;
  ASSERT_EQ(parser_.parse(action.body()).get(body), simdjson::SUCCESS) << action.body();
  EXPECT_EQ(std::string_view(body["op"]), "u");
  EXPECT_EQ(std::string_view(body["table"]), "public.customers");
  EXPECT_EQ(std::int64_t(body["key"]["id"]), 1);
  EXPECT_EQ(std::string_view(body["after"]["notes"]), "balance raised");
  EXPECT_TRUE(body["before"].is_null());
  EXPECT_EQ(std::string_view(body["position"]), events_[6].position.ToString());
  EXPECT_EQ(std::string_view(body["idempotency_key"]), action.idempotency_key());
  // Compact, in the documented order.
  EXPECT_THAT(action.body(), StartsWith(R"({"op":"u","table":"public.customers","key":{"id":1},)"
                                        R"("after":{"id":1,)"));
}

TEST_F(HttpRequestBuilderTest, AfterBodyOfADeleteCarriesTheProjectedBeforeImage) {
  RouteSpec spec;
  spec.projection.exclude = {"email"};
  spec.projection.rename = {{"first_name", "given_name"}};
  auto builder = Builder(Route(spec), kNoOptions);
  const HttpAction& action = Build(*builder, 8);  // d of id 4

  simdjson::dom::element body;
  ASSERT_EQ(parser_.parse(action.body()).get(body), simdjson::SUCCESS) << action.body();
  EXPECT_EQ(std::string_view(body["op"]), "d");
  EXPECT_TRUE(body["after"].is_null());
  EXPECT_EQ(std::int64_t(body["before"]["id"]), 4);
  EXPECT_EQ(body["before"]["email"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(body["before"]["first_name"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(body["before"]["given_name"].error(), simdjson::SUCCESS);
  EXPECT_EQ(std::int64_t(body["key"]["id"]), 4);
}

TEST_F(HttpRequestBuilderTest, EnvelopeIsTheRecordValueVerbatim) {
  auto builder = Builder(Route({}), {{"value", "envelope"}});
  EXPECT_EQ(builder->mode(), HttpValueMode::kEnvelope);
  const HttpAction& action = Build(*builder, 7);
  EXPECT_EQ(action.body(), *records_[7].value);
  EXPECT_EQ(action.idempotency_key(), Key(7));
}

TEST_F(HttpRequestBuilderTest, EnvelopeInBatchModeIsWrappedWithItsKey) {
  auto builder = Builder(Route({}), {{"value", "envelope"}}, "/cdc", /*batch=*/true);
  const HttpAction& action = Build(*builder, 7);
  simdjson::dom::element body;
  ASSERT_EQ(parser_.parse(action.body()).get(body), simdjson::SUCCESS) << action.body();
  EXPECT_EQ(std::string_view(body["idempotency_key"]), Key(7));
  EXPECT_EQ(std::string_view(body["envelope"]["payload"]["op"]), "u");
}

TEST_F(HttpRequestBuilderTest, EnvelopeWithoutAValueIsNothingToDo) {
  auto builder = Builder(Route({}), {{"value", "envelope"}});
  KafkaRecordView view = records_[8].View();
  view.value.reset();
  Result<std::unique_ptr<SinkAction>> action = builder->Build(events_[8], view);
  ASSERT_TRUE(action.ok());
  EXPECT_EQ(action.value(), nullptr);
}

TEST_F(HttpRequestBuilderTest, PathTemplateIsAppendedAndEncoded) {
  RouteSpec spec;
  spec.templates = {{"path", "customers/{id}/notes/{after.notes}"}};
  const CompiledRoute& route = Route(spec);
  EXPECT_EQ(Build(*Builder(route, kNoOptions, "/cdc"), 6).target(),
            "/cdc/customers/1/notes/balance%20raised");
  EXPECT_EQ(Build(*Builder(route, kNoOptions, "/cdc/"), 6).target(),
            "/cdc/customers/1/notes/balance%20raised");
  EXPECT_EQ(Build(*Builder(route, kNoOptions, ""), 6).target(),
            "/customers/1/notes/balance%20raised");

  RouteSpec slash;
  slash.templates = {{"path", "/customers/{key.id}"}};
  const CompiledRoute& slash_route = Route(slash);
  EXPECT_EQ(Build(*Builder(slash_route, kNoOptions, "/cdc/"), 8).target(), "/cdc/customers/4");
  EXPECT_EQ(Build(*Builder(Route({}), kNoOptions, ""), 8).target(), "/");
}

// Issue 16: a row value in `path` is data, one segment: it cannot add segments, climb out of
// the route's path, start a query or a fragment; the template's own text stays as written.
TEST_F(HttpRequestBuilderTest, PathPlaceholderValueIsOneEncodedSegment) {
  RouteSpec spec;
  spec.templates = {{"path", "/items/{id}?v=1"}};
  auto builder = Builder(Route(spec), kNoOptions);
  auto build = [&](const std::string& id) {
    ChangeEvent event = events_[6];
    event.key = Row{{"id", Value::String(id)}};
    for (Column& column : *event.after) {
      if (column.name == "id") column.value = Value::String(id);
    }
    return builder->Build(event, records_[6].View());
  };
  Result<std::unique_ptr<SinkAction>> hostile = build("a/b?c=d&e#f/../x");
  ASSERT_TRUE(hostile.ok()) << hostile.status().ToString();
  EXPECT_EQ(dynamic_cast<const HttpAction&>(**hostile).target(),
            "/cdc/items/a%2Fb%3Fc%3Dd%26e%23f%2F..%2Fx?v=1");
  for (const std::string dots : {".", ".."}) {
    Result<std::unique_ptr<SinkAction>> refused = build(dots);
    ASSERT_FALSE(refused.ok()) << dots;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(refused.status().message()), StartsWith("path: placeholder {id}: "));
  }
  Result<std::unique_ptr<SinkAction>> three = build("...");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(dynamic_cast<const HttpAction&>(**three).target(), "/cdc/items/...?v=1");
}

TEST_F(HttpRequestBuilderTest, PathThatCannotBeFilledIsInvalidArgument) {
  RouteSpec spec;
  spec.templates = {{"path", "/by-email/{before.email}"}};
  auto builder = Builder(Route(spec), kNoOptions);
  Result<std::unique_ptr<SinkAction>> action = builder->Build(events_[6], records_[6].View());
  ASSERT_FALSE(action.ok());
  EXPECT_EQ(action.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(action.status().message()), StartsWith("path: "));
}

TEST_F(HttpRequestBuilderTest, BindChecksTheRouteOptions) {
  EXPECT_THAT(BindError({}, {{"value", "row"}}), HasSubstr("value: must be 'after' or 'envelope'"));
  EXPECT_THAT(BindError({}, {{"table", "x"}}), HasSubstr("table: not an option of http routes"));
  RouteSpec index;
  index.templates = {{"index", "x"}};
  EXPECT_THAT(BindError(index, kNoOptions), HasSubstr("index: not an option of http routes"));
  RouteSpec two;
  two.templates = {{"path", "/a"}, {"path", "/b"}};
  EXPECT_THAT(BindError(two, kNoOptions), HasSubstr("path: only one"));
  RouteSpec path;
  path.templates = {{"path", "/a"}};
  EXPECT_THAT(BindError(path, kNoOptions, /*batch=*/true), HasSubstr("batch_size"));
}

TEST_F(HttpRequestBuilderTest, KeyIsRouteAndSourcePosition) {
  EXPECT_THAT(Key(6), StartsWith("billing:" + events_[6].position.ToString() + ":u:"));
  EXPECT_THAT(Key(6, "audit"), StartsWith("audit:"));
  EXPECT_NE(Key(6), Key(6, "audit"));
}

TEST_F(HttpRequestBuilderTest, TwoRowsOfOneTransactionGetDifferentKeys) {
  // Offsets 4 and 5: two inserts in one transaction (same txId and commit, per-row LSNs).
  ASSERT_EQ(events_[4].op, Op::kCreate);
  ASSERT_EQ(events_[5].op, Op::kCreate);
  EXPECT_NE(Key(4), Key(5));
}

TEST_F(HttpRequestBuilderTest, RowsSharingAPositionGetDifferentKeys) {
  // Every snapshot row carries the snapshot's position.
  ASSERT_EQ(events_[0].position, events_[3].position);
  std::set<std::string> snapshot;
  for (std::size_t i = 0; i < 4; ++i) snapshot.insert(Key(i));
  EXPECT_EQ(snapshot.size(), 4u);
  // A primary-key change: d(old key) and c(new key) at one position.
  ASSERT_EQ(events_[10].position, events_[12].position);
  EXPECT_NE(Key(10), Key(12));
}

TEST_F(HttpRequestBuilderTest, KeyIsStableAcrossReplays) {
  // Kafka redelivery: the same record decoded again.
  DebeziumDecoder decoder;
  ChangeEvent again;
  ASSERT_TRUE(decoder.Decode(records_[4].View(), &again).ok());
  EXPECT_EQ(IdempotencyKey("billing", again, records_[4].View()), Key(4));
  // Debezium re-emitting the change after its own restart: same value, new offset.
  CapturedRecord reemitted = records_[4];
  reemitted.offset += 1000;
  ASSERT_TRUE(decoder.Decode(reemitted.View(), &again).ok());
  EXPECT_EQ(IdempotencyKey("billing", again, reemitted.View()), Key(4));
}

TEST_F(HttpRequestBuilderTest, WithoutASourcePositionTheKeyFallsBackToKafkaCoordinates) {
  ChangeEvent event = events_[4];
  event.position = SourcePosition{};
  EXPECT_EQ(IdempotencyKey("billing", event, records_[4].View()),
            "billing:kafka:capschema.public.customers:0:4");
  event.position.kind = SourcePosition::Kind::kKafka;  // the decoder's own fallback
  EXPECT_EQ(IdempotencyKey("billing", event, records_[4].View()),
            "billing:kafka:capschema.public.customers:0:4");
}

TEST_F(HttpRequestBuilderTest, BatchBodyIsAJsonArray) {
  auto builder = Builder(Route({}), kNoOptions, "/cdc", /*batch=*/true);
  std::vector<const HttpAction*> actions = {&Build(*builder, 4), &Build(*builder, 5)};
  std::string body = BatchBody(actions);
  simdjson::dom::array array;
  ASSERT_EQ(parser_.parse(body).get(array), simdjson::SUCCESS) << body;
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(std::string_view(array.at(1)["idempotency_key"]), Key(5));
  EXPECT_EQ(BatchBody({}), "[]");
}

TEST(HttpPathEncodingTest, EncodesWhatATargetCannotHold) {
  std::string out;
  AppendEncodedPath("/a b/ü/%/#/?x=1&y=a:b@c", &out);
  EXPECT_EQ(out, "/a%20b/%C3%BC/%25/%23/?x=1&y=a:b@c");
}

TEST(HttpPathEncodingTest, ASegmentKeepsOnlyUnreservedCharacters) {
  std::string out;
  ASSERT_TRUE(AppendEncodedPathSegment("a/b?c=d&e#f/../x", &out).ok());
  EXPECT_EQ(out, "a%2Fb%3Fc%3Dd%26e%23f%2F..%2Fx");
  out.clear();
  ASSERT_TRUE(AppendEncodedPathSegment("AZaz09-._~ %:@;+,!$'()*[]\xc3\xbc", &out).ok());
  EXPECT_EQ(out, "AZaz09-._~%20%25%3A%40%3B%2B%2C%21%24%27%28%29%2A%5B%5D%C3%BC");
  out = "kept";
  EXPECT_EQ(AppendEncodedPathSegment(".", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AppendEncodedPathSegment("..", &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "kept");
  ASSERT_TRUE(AppendEncodedPathSegment("", &out).ok());
  ASSERT_TRUE(AppendEncodedPathSegment("..a", &out).ok());
  EXPECT_EQ(out, "kept..a");
}

}  // namespace
}  // namespace fanout
