// The decode -> route -> dispatch step on fakes: a real decoder, router and sink dispatcher, with
// fake sinks, a fake Kafka output builder, a fake producer and a counting event observer.
#include "processor/pipeline/decode_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/fakes/fake_producer.h"
#include "tests/fakes/fake_sink.h"

namespace fanout {
namespace {

using ::fanout::testing::FakeProducer;
using ::fanout::testing::FakeSink;
using ::fanout::testing::HeaderOf;
using ::fanout::testing::LabelAction;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTopic = "inv.public.customers";
constexpr std::string_view kDeadLetters = "fanout.dlq";

// Debezium's PostgreSQL change of `table`, a customer `id` named `name`, committed at `lsn`.
std::string Change(std::string_view table, int id, std::string_view name, int lsn) {
  const std::string position = std::to_string(lsn);
  return std::string(R"({"before":null,"after":{"id":)") + std::to_string(id) + R"(,"name":")" +
         std::string(name) +
         R"("},"source":{"version":"3.2.7.Final","connector":"postgresql","name":"inv",)"
         R"("ts_ms":1772360130123,"snapshot":"false","db":"shop","sequence":"[\")" +
         position + R"(\",\")" + position + R"(\"]","schema":"public","table":")" +
         std::string(table) + R"(","txId":771,"lsn":)" + position +
         R"(,"xmin":null},"op":"c","ts_ms":1772360130200,"transaction":null})";
}

bool NameIs(const ChangeEvent& event, std::string_view name) {
  if (!event.after) return false;
  const Value* value = FindColumn(*event.after, "name");
  return value != nullptr && *value == Value::String(std::string(name));
}

// Builds "<route>@<offset>" labels; a customer named `refuse` cannot be built (a template that
// cannot be filled).
class LabelBuilder final : public ActionBuilder {
 public:
  explicit LabelBuilder(std::string route, std::string refuse = "bad")
      : route_(std::move(route)), refuse_(std::move(refuse)) {}
  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override {
    if (NameIs(event, refuse_)) return InvalidArgument("cannot fill the template");
    return std::unique_ptr<SinkAction>(
        std::make_unique<LabelAction>(route_ + "@" + std::to_string(record.offset)));
  }

 private:
  std::string route_;
  std::string refuse_;
};

// The record a Kafka route produces: topic "out", the source key; a customer named "poison"
// cannot be built.
class FakeKafkaOutput final : public KafkaOutputBuilder {
 public:
  Status Build(const ChangeEvent& event, const KafkaRecordView& source,
               OutgoingRecord* out) const override {
    if (NameIs(event, "poison")) return InvalidArgument("cannot fill the topic");
    out->topic = "out";
    out->key = std::string(source.key.value_or(""));
    out->value = "offset " + std::to_string(source.offset);
    out->headers.clear();
    return Status();
  }
};

class CountingObserver final : public EventObserver {
 public:
  int events = 0, decode_errors = 0, unmatched = 0, reemissions = 0, produced = 0;
  std::vector<std::string> routed, route_errors, dead_letters;
  void RecordEvent(const ChangeEvent&) override { ++events; }
  void RecordDecodeError() override { ++decode_errors; }
  void RecordUnmatched() override { ++unmatched; }
  void RecordReemissionSkipped() override { ++reemissions; }
  void RecordRouted(std::string_view route) override { routed.emplace_back(route); }
  void RecordRouteError(std::string_view route) override { route_errors.emplace_back(route); }
  void RecordProduced(std::string_view, std::string_view) override { ++produced; }
  void RecordDeadLetter(std::string_view route, std::string_view sink) override {
    dead_letters.push_back(std::string(route) + "/" + std::string(sink));
  }
};

// Routes of customers: "cache" and "search" to two asynchronous sinks, "mirror" to Kafka; and
// "audit" of orders to a sink this build lacks (evaluated only).
class DecodeHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<RouteSpec> specs;
    for (const auto& [name, table, sink] : {std::tuple{"cache", "public.customers", "cache-sink"},
                                            std::tuple{"search", "public.customers", "search-sink"},
                                            std::tuple{"mirror", "public.customers", "kafka"},
                                            std::tuple{"audit", "public.orders", "clickhouse"}}) {
      RouteSpec spec;
      spec.name = name;
      spec.tables = {table};
      spec.sink = sink;
      specs.push_back(spec);
    }
    Result<Router> router = Router::Create(specs);
    ASSERT_TRUE(router.ok()) << router.status().ToString();
    router_ = std::make_unique<Router>(std::move(router).value());
    cache_.auto_answer = ActionResult::Applied();
    search_.auto_answer = ActionResult::Applied();
    dispatcher_ = std::make_unique<SinkDispatcher>(std::vector<Sink*>{&cache_, &search_},
                                                   std::function<void()>());
    for (auto [route, index] : {std::pair{&cache_route_, 0}, std::pair{&search_route_, 1}}) {
      route->name = index == 0 ? "cache" : "search";
      route->sink_name = index == 0 ? "cache-sink" : "search-sink";
      route->sink_index = static_cast<std::size_t>(index);
      route->retry.max_attempts = 1;
    }
    MakeHandler();
  }

  // (Re)makes the handler; "search" skips re-emissions, as an HTTP route does.
  void MakeHandler(bool search_skips_reemissions = true) {
    DecodeHandlerOptions options;
    options.dead_letter_topic = std::string(kDeadLetters);
    options.routes = {RouteDelivery{false, false}, RouteDelivery{search_skips_reemissions, false},
                      RouteDelivery{true, false}, RouteDelivery{false, false}};
    handler_ = std::make_unique<DecodeHandler>(&events_, router_.get(), &producer_, options);
    handler_->BindAsyncRoute(0, std::make_unique<LabelBuilder>("cache"), &cache_route_,
                             dispatcher_.get());
    handler_->BindAsyncRoute(1, std::make_unique<LabelBuilder>("search", "unsearchable"),
                             &search_route_, dispatcher_.get());
    handler_->BindKafkaRoute(2, std::make_unique<FakeKafkaOutput>());
  }

  Result<Handled> Handle(std::int64_t offset, std::string value, bool outputs_committed = false,
                         std::string_view topic = kTopic) {
    values_.push_back(std::make_unique<std::string>(std::move(value)));
    keys_.push_back(std::make_unique<std::string>(R"({"id":1})"));  // one row throughout
    KafkaRecordView record;
    record.topic = topic;
    record.partition = 0;
    record.offset = offset;
    record.key = *keys_.back();
    record.value = *values_.back();
    return handler_->Handle(record, RecordContext{outputs_committed});
  }

  // Handle() that must succeed.
  Handled Run(std::int64_t offset, std::string value, bool outputs_committed = false,
              std::string_view topic = kTopic) {
    Result<Handled> handled = Handle(offset, std::move(value), outputs_committed, topic);
    EXPECT_TRUE(handled.ok()) << handled.status().ToString();
    return handled.ok() ? *handled : Handled::kFinished;
  }

  // Collects what finished (the dispatcher's results), as the consume loop does.
  std::vector<std::int64_t> Collect() {
    std::vector<PartitionOffset> finished;
    EXPECT_TRUE(handler_->Collect(Clock::now(), &finished).ok());
    std::vector<std::int64_t> offsets;
    for (const PartitionOffset& po : finished) offsets.push_back(po.offset);
    return offsets;
  }

  CountingObserver events_;
  FakeProducer producer_;
  FakeSink cache_{10, 1};
  FakeSink search_{10, 1};
  DispatchRoute cache_route_;
  DispatchRoute search_route_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SinkDispatcher> dispatcher_;
  std::unique_ptr<DecodeHandler> handler_;
  std::vector<std::unique_ptr<std::string>> values_;
  std::vector<std::unique_ptr<std::string>> keys_;
};

TEST_F(DecodeHandlerTest, RoutesOneChangeToEverySinkItMatches) {
  Result<Handled> handled = Handle(7, Change("customers", 1, "Ann", 100));
  ASSERT_TRUE(handled.ok()) << handled.status().ToString();
  EXPECT_EQ(*handled, Handled::kPending);  // the asynchronous routes are in flight
  EXPECT_THAT(cache_.history, ElementsAre(ElementsAre("cache@7")));
  EXPECT_THAT(search_.history, ElementsAre(ElementsAre("search@7")));
  ASSERT_EQ(producer_.produced.size(), 1u);  // the Kafka route, at once
  EXPECT_EQ(producer_.produced[0].topic, "out");
  EXPECT_EQ(producer_.produced[0].value, "offset 7");
  EXPECT_EQ(events_.events, 1);
  EXPECT_EQ(events_.produced, 1);
  EXPECT_THAT(events_.routed, ElementsAre("cache", "search", "mirror"));
  EXPECT_THAT(Collect(), ElementsAre(7));  // both sinks answered: the record is done
  EXPECT_EQ(handler_->pending(), 0u);
}

TEST_F(DecodeHandlerTest, ARecordStaysPendingUntilEverySinkHasAnswered) {
  search_.auto_answer.reset();
  ASSERT_EQ(Run(3, Change("customers", 1, "Ann", 100)), Handled::kPending);
  EXPECT_THAT(Collect(), IsEmpty());  // cache answered, search has not
  EXPECT_EQ(handler_->pending(), 1u);
  search_.AnswerAll(ActionResult::Applied());
  EXPECT_THAT(Collect(), ElementsAre(3));
}

TEST_F(DecodeHandlerTest, OnlyAsynchronousRoutesRunWhenKafkaOutputsAreCommitted) {
  // An earlier owner committed this record's Kafka outputs: the Kafka route produces nothing,
  // the asynchronous ones run again (they are below no commit of their own).
  ASSERT_EQ(Run(4, Change("customers", 1, "Ann", 100), /*outputs_committed=*/true),
            Handled::kPending);
  EXPECT_THAT(producer_.produced, IsEmpty());
  EXPECT_THAT(cache_.history, ElementsAre(ElementsAre("cache@4")));
  EXPECT_THAT(search_.history, ElementsAre(ElementsAre("search@4")));
}

TEST_F(DecodeHandlerTest, SynchronousFailuresCommittedEarlierAreNotDeadLetteredAgain) {
  ASSERT_EQ(Run(5, "not json", /*outputs_committed=*/true), Handled::kFinished);
  ASSERT_EQ(Run(6, Change("customers", 1, "unsearchable", 100), /*outputs_committed=*/true),
            Handled::kPending);
  EXPECT_THAT(producer_.produced, IsEmpty());
  EXPECT_THAT(events_.dead_letters, IsEmpty());
}

TEST_F(DecodeHandlerTest, AnUndecodableRecordIsDeadLettered) {
  Result<Handled> handled = Handle(9, "{\"not\": a change");
  ASSERT_TRUE(handled.ok());
  EXPECT_EQ(*handled, Handled::kFinished);
  const std::vector<OutgoingRecord> dead_letters = producer_.To(kDeadLetters);
  ASSERT_EQ(dead_letters.size(), 1u);
  const OutgoingRecord& dead = dead_letters[0];
  EXPECT_EQ(dead.value, "{\"not\": a change");
  EXPECT_EQ(HeaderOf(dead, "fanout.error.class"), "decode_error");
  EXPECT_EQ(HeaderOf(dead, "fanout.source.offset"), "9");
  EXPECT_EQ(events_.decode_errors, 1);
  EXPECT_THAT(events_.dead_letters, ElementsAre("/"));
  EXPECT_THAT(cache_.history, IsEmpty());
}

TEST_F(DecodeHandlerTest, ARouteThatCannotBuildIsDeadLetteredAndTheOthersGoOn) {
  // "search" cannot build this record; "cache" and the Kafka route can.
  ASSERT_EQ(Run(11, Change("customers", 1, "unsearchable", 100)), Handled::kPending);
  EXPECT_THAT(cache_.history, ElementsAre(ElementsAre("cache@11")));
  EXPECT_THAT(search_.history, IsEmpty());
  const std::vector<OutgoingRecord> dead = producer_.To(kDeadLetters);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(HeaderOf(dead[0], "fanout.error.class"), "bad_record");
  EXPECT_EQ(HeaderOf(dead[0], "fanout.route"), "search");
  EXPECT_EQ(HeaderOf(dead[0], "fanout.sink"), "search-sink");
  EXPECT_THAT(events_.route_errors, ElementsAre("search"));
  EXPECT_EQ(producer_.To("out").size(), 1u);
  EXPECT_THAT(Collect(), ElementsAre(11));
}

TEST_F(DecodeHandlerTest, AKafkaRouteThatCannotBuildIsDeadLettered) {
  ASSERT_EQ(Run(12, Change("customers", 1, "poison", 100)), Handled::kPending);
  EXPECT_THAT(producer_.To("out"), IsEmpty());
  const std::vector<OutgoingRecord> dead = producer_.To(kDeadLetters);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(HeaderOf(dead[0], "fanout.route"), "mirror");
  EXPECT_THAT(events_.route_errors, ElementsAre("mirror"));
}

TEST_F(DecodeHandlerTest, AnAbortedTransactionStopsTheRecord) {
  producer_.produce_answer = Status(StatusCode::kAborted, "the transaction cannot commit");
  Result<Handled> handled = Handle(13, Change("customers", 1, "Ann", 100));
  ASSERT_FALSE(handled.ok());
  EXPECT_EQ(handled.status().code(), StatusCode::kAborted);
}

TEST_F(DecodeHandlerTest, ASinksBadRecordIsDeadLetteredWhenItsOffsetCommits) {
  cache_.auto_answer = ActionResult::BadRecord("HTTP 400: no such customer");
  ASSERT_EQ(Run(14, Change("customers", 1, "Ann", 100)), Handled::kPending);
  EXPECT_THAT(Collect(), ElementsAre(14));
  // Held: produced any earlier, a crash before the offset commits would write it twice.
  EXPECT_THAT(producer_.To(kDeadLetters), IsEmpty());
  EXPECT_THAT(events_.dead_letters, ElementsAre("cache/cache-sink"));
  ASSERT_TRUE(handler_->BeforeCommit({PartitionOffset{{std::string(kTopic), 0}, 15, {}}}).ok());
  const std::vector<OutgoingRecord> dead = producer_.To(kDeadLetters);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(HeaderOf(dead[0], "fanout.route"), "cache");
  EXPECT_EQ(HeaderOf(dead[0], "fanout.error.message"), "HTTP 400: no such customer");
}

TEST_F(DecodeHandlerTest, UnmatchedChangesAreCountedAndFinishAtOnce) {
  ASSERT_EQ(Run(15, Change("suppliers", 1, "Ann", 100), false, "inv.public.suppliers"),
            Handled::kFinished);
  EXPECT_EQ(events_.unmatched, 1);
  EXPECT_THAT(producer_.produced, IsEmpty());
}

TEST_F(DecodeHandlerTest, ARouteToAnUnbuiltSinkIsEvaluatedOnly) {
  ASSERT_EQ(Run(16, Change("orders", 1, "Ann", 100), false, "inv.public.orders"),
            Handled::kFinished);
  EXPECT_THAT(events_.routed, ElementsAre("audit"));
  EXPECT_THAT(producer_.produced, IsEmpty());
  EXPECT_THAT(cache_.history, IsEmpty());
}

TEST_F(DecodeHandlerTest, ReemissionsAreSkippedByTheRoutesThatCannotRecogniseThem) {
  ASSERT_EQ(Run(20, Change("customers", 1, "Ann", 100)), Handled::kPending);
  // The same change again at a later offset: Debezium re-emitted it after its restart.
  ASSERT_EQ(Run(21, Change("customers", 1, "Ann", 100)), Handled::kPending);
  EXPECT_EQ(events_.reemissions, 1);
  EXPECT_THAT(Collect(), ElementsAre(20));  // and sends what waited behind it in its lane
  // The Kafka route and "search" skip it; "cache" (an idempotent sink) gets it again.
  EXPECT_EQ(producer_.To("out").size(), 1u);
  EXPECT_THAT(search_.history, ElementsAre(ElementsAre("search@20")));
  EXPECT_THAT(cache_.history, ElementsAre(ElementsAre("cache@20"), ElementsAre("cache@21")));
}

TEST_F(DecodeHandlerTest, AReplayRunsOnlyTheRouteOfItsDeadLetter) {
  handler_->SetReplay("search", /*previous_attempts=*/2, /*first_failure_ms=*/1000,
                      PartitionOffset{{"fanout.dlq", 0}, 40, {}});
  ASSERT_EQ(Run(22, Change("customers", 1, "Ann", 100)), Handled::kPending);
  EXPECT_THAT(search_.history, ElementsAre(ElementsAre("search@22")));
  EXPECT_THAT(cache_.history, IsEmpty());
  EXPECT_THAT(producer_.produced, IsEmpty());
  // The work completes as the dead letter's own coordinates.
  std::vector<PartitionOffset> finished;
  ASSERT_TRUE(handler_->Collect(Clock::now(), &finished).ok());
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].tp.topic, "fanout.dlq");
  EXPECT_EQ(finished[0].offset, 40);
}

}  // namespace
}  // namespace fanout
