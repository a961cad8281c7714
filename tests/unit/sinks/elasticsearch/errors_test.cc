// Classification of `_bulk` and `GET /` answers, on responses as OpenSearch 2.19 and
// Elasticsearch 7/8 write them (with the sink's filter_path applied where the sink sets it).
#include "sinks/elasticsearch/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>
#include <string>
#include <vector>

#include "sinks/elasticsearch/action_builder.h"
#include "sinks/net/http_connection.h"

namespace fanout {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

const auto kNow = std::chrono::system_clock::now();

HttpExchangeResult Response(unsigned status, std::string body) {
  HttpExchangeResult exchange;
  exchange.status = status;
  exchange.body = std::move(body);
  return exchange;
}

// Actions of one item each (or two for a moved document), kinds as given.
class Batch {
 public:
  Batch& Add(std::vector<BulkItemKind> kinds) {
    auto action = std::make_unique<ElasticsearchAction>();
    for (BulkItemKind kind : kinds) {
      AppendBulkActionLine(kind, "i", "1", 1, action->mutable_ndjson());
      action->AddItem(kind);
    }
    pointers_.push_back(action.get());
    owned_.push_back(std::move(action));
    return *this;
  }
  std::span<const ElasticsearchAction* const> actions() const { return pointers_; }

 private:
  std::vector<std::unique_ptr<ElasticsearchAction>> owned_;
  std::vector<const ElasticsearchAction*> pointers_;
};

std::vector<ActionOutcome> Outcomes(const BulkOutcome& outcome) {
  std::vector<ActionOutcome> out;
  for (const ActionResult& result : outcome.results) out.push_back(result.outcome);
  return out;
}

// A real OpenSearch 2.19 answer (filter_path applied) to: a new document, a mapping conflict, a
// stale version, a delete of a missing document, a soft-delete tombstone, a delete in a missing
// index, an invalid index name.
constexpr std::string_view kMixedResponse =
    R"({"errors":true,"items":[{"index":{"status":201}},)"
    R"({"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to )"
    R"(parse field [n] of type [integer] in document with id '2'. Preview of field's value: )"
    R"('abc'","caused_by":{"type":"number_format_exception"}}}},)"
    R"({"index":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[1]: )"
    R"(version conflict, current version [10] is higher than the one provided [5]"}}},)"
    R"({"delete":{"status":404}},{"index":{"status":200}},{"delete":{"status":404}},)"
    R"({"index":{"status":400,"error":{"type":"invalid_index_name_exception","reason":"Invalid )"
    R"(index name [Bad], must be lowercase"}}}]})";

TEST(ElasticsearchErrorsTest, MixedBulkResponseIsClassifiedPerItem) {
  Batch batch;
  using K = BulkItemKind;
  batch.Add({K::kIndex}).Add({K::kIndex}).Add({K::kIndex}).Add({K::kDelete});
  batch.Add({K::kIndex}).Add({K::kDelete}).Add({K::kIndex});
  ResponseParser parser;
  BulkOutcome outcome =
      ClassifyBulk(Response(200, std::string(kMixedResponse)), batch.actions(), parser, kNow);
  ASSERT_FALSE(outcome.split);
  EXPECT_THAT(Outcomes(outcome), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kAlreadyApplied,
                                             ActionOutcome::kApplied, ActionOutcome::kApplied,
                                             ActionOutcome::kApplied, ActionOutcome::kBadRecord));
  // The server's reason, without the value it quotes from the document.
  EXPECT_EQ(outcome.results[1].message,
            "HTTP 400: mapper_parsing_exception: failed to parse field [n] of type [integer] in "
            "document with id '2'. (caused by number_format_exception)");
  EXPECT_THAT(outcome.results[2].message, HasSubstr("version_conflict_engine_exception"));
  EXPECT_THAT(outcome.results[6].message, HasSubstr("must be lowercase"));
}

TEST(ElasticsearchErrorsTest, ErrorsFalseMeansEveryActionIsApplied) {
  Batch batch;
  batch.Add({BulkItemKind::kIndex}).Add({BulkItemKind::kDelete});
  ResponseParser parser;
  BulkOutcome outcome = ClassifyBulk(
      Response(200,
               R"({"errors":false,"items":[{"index":{"status":201}},{"delete":{"status":404}}]})"),
      batch.actions(), parser, kNow);
  EXPECT_THAT(Outcomes(outcome), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
}

TEST(ElasticsearchErrorsTest, ThrottlingShardFailuresAndBlocks) {
  const std::vector<std::pair<BulkItemResult, ActionOutcome>> cases = {
      {{429, "es_rejected_execution_exception",
        "rejected execution of coordinating operation [shard_detail=[i][0][P], "
        "shard_coordinating_and_primary_bytes=0, shard_operation_bytes=98]",
        ""},
       ActionOutcome::kRetry},
      {{429, "circuit_breaking_exception", "[parent] Data too large", ""}, ActionOutcome::kRetry},
      {{500, "illegal_state_exception", "something broke", ""}, ActionOutcome::kRetry},
      {{503, "unavailable_shards_exception", "[i][0] primary shard is not active Timeout: [1m]",
        ""},
       ActionOutcome::kUnavailable},
      {{429, "cluster_block_exception",
        "index [i] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, "
        "index has read-only-allow-delete block];",
        ""},
       ActionOutcome::kUnavailable},
      {{403, "cluster_block_exception", "index [i] blocked by: [FORBIDDEN/8/index write (api)];",
        ""},
       ActionOutcome::kUnavailable},
      {{403, "security_exception",
        "action [indices:data/write/bulk[s]] is unauthorized for user [writer]", ""},
       ActionOutcome::kRefused},
      {{404, "index_not_found_exception", "no such index [i]", ""}, ActionOutcome::kBadRecord},
      {{400, "illegal_argument_exception", "mapper [price] cannot be changed from type [long]", ""},
       ActionOutcome::kBadRecord},
      {{400, "document_parsing_exception", "[1:9] failed to parse", "json_parse_exception"},
       ActionOutcome::kBadRecord},
  };
  for (const auto& [item, expected] : cases) {
    EXPECT_EQ(ClassifyBulkItem(BulkItemKind::kIndex, item).outcome, expected) << item.error_type;
  }
  // A delete whose index does not exist: nothing to delete, done.
  EXPECT_EQ(
      ClassifyBulkItem(BulkItemKind::kDelete, {404, "index_not_found_exception", "", ""}).outcome,
      ActionOutcome::kApplied);
}

TEST(ElasticsearchErrorsTest, ReasonsAreOneBoundedLine) {
  BulkItemResult item{400, "mapper_parsing_exception", std::string(1000, 'r') + "\n\tend", ""};
  const std::string message = FormatItemError(item);
  EXPECT_LE(message.size(), kMaxReasonBytes);
  EXPECT_TRUE(message.ends_with("..."));
  item.reason = "line one\n  line two ü";
  EXPECT_EQ(FormatItemError(item), "mapper_parsing_exception: line one line two ü");
  item.reason = std::string(kMaxReasonBytes - 30, 'a') + "üüüüüüüüüüüüüüüüüüüüüüüüü";
  const std::string cut = FormatItemError(item);
  EXPECT_LE(cut.size(), kMaxReasonBytes);
  EXPECT_TRUE(cut.ends_with("ü...") || cut.ends_with("a...")) << cut;  // never half a character
  // A long quoted name or id keeps its head, so the rest of the reason still fits.
  item.error_type = "action_request_validation_exception";
  item.reason = "Validation Failed: 1: id [" + std::string(600, 'x') +
                "] is too long, must be no longer than 512 bytes but was: 600;";
  EXPECT_EQ(FormatItemError(item),
            "action_request_validation_exception: Validation Failed: 1: id [" +
                std::string(40, 'x') +
                "...] is too long, must be no longer than 512 bytes but "
                "was: 600;");
}

TEST(ElasticsearchErrorsTest, AMovedDocumentGetsTheWorseOfItsTwoItems) {
  Batch batch;
  batch.Add({BulkItemKind::kDelete, BulkItemKind::kIndex});
  batch.Add({BulkItemKind::kDelete, BulkItemKind::kIndex});
  ResponseParser parser;
  BulkOutcome outcome = ClassifyBulk(
      Response(200,
               R"({"errors":true,"items":[{"delete":{"status":404}},)"
               R"({"index":{"status":429,"error":{"type":"es_rejected_execution_exception"}}},)"
               R"({"delete":{"status":200}},{"index":{"status":409,"error":{"type":"v"}}}]})"),
      batch.actions(), parser, kNow);
  EXPECT_THAT(Outcomes(outcome),
              ElementsAre(ActionOutcome::kRetry, ActionOutcome::kAlreadyApplied));
}

TEST(ElasticsearchErrorsTest, UnreadableResponsesAreRetriedOrSplitWhenCutOff) {
  Batch batch;
  batch.Add({BulkItemKind::kIndex}).Add({BulkItemKind::kIndex});
  ResponseParser parser;
  EXPECT_THAT(
      Outcomes(ClassifyBulk(Response(200, "<html>proxy</html>"), batch.actions(), parser, kNow)),
      ElementsAre(ActionOutcome::kRetry, ActionOutcome::kRetry));
  // One item answered for two.
  BulkOutcome short_answer =
      ClassifyBulk(Response(200, R"({"errors":true,"items":[{"index":{"status":400}}]})"),
                   batch.actions(), parser, kNow);
  EXPECT_THAT(short_answer.results,
              ElementsAre(Field(&ActionResult::message, HasSubstr("1 items for 2")), _));
  // Cut off at the client's body limit: halves answer less.
  std::string cut = R"({"errors":true,"items":[)";
  cut.resize(kMaxResponseBody, ' ');
  EXPECT_TRUE(ClassifyBulk(Response(200, cut), batch.actions(), parser, kNow).split);
}

TEST(ElasticsearchErrorsTest, WholeRequestRefusalsSplitDownToOneAction) {
  Batch two;
  two.Add({BulkItemKind::kIndex}).Add({BulkItemKind::kIndex});
  Batch one;
  one.Add({BulkItemKind::kIndex});
  ResponseParser parser;
  const std::string too_long =
      R"({"error":{"root_cause":[{"type":"action_request_validation_exception","reason":)"
      R"("Validation Failed: 1: id [xx] is too long, must be no longer than 512 bytes but was: )"
      R"(600;"}],"type":"action_request_validation_exception","reason":"Validation Failed: 1: )"
      R"(id [xx] is too long, must be no longer than 512 bytes but was: 600;"},"status":400})";
  EXPECT_TRUE(ClassifyBulk(Response(400, too_long), two.actions(), parser, kNow).split);
  EXPECT_TRUE(ClassifyBulk(Response(413, ""), two.actions(), parser, kNow).split);
  BulkOutcome alone = ClassifyBulk(Response(400, too_long), one.actions(), parser, kNow);
  ASSERT_FALSE(alone.split);
  EXPECT_THAT(alone.results,
              ElementsAre(AllOf(Field(&ActionResult::outcome, ActionOutcome::kBadRecord),
                                Field(&ActionResult::message,
                                      HasSubstr("HTTP 400: action_request_validation_exception: "
                                                "Validation Failed: 1: id [xx] is too long")))));
  EXPECT_THAT(ClassifyBulk(Response(413, ""), one.actions(), parser, kNow).results,
              ElementsAre(AllOf(Field(&ActionResult::outcome, ActionOutcome::kBadRecord),
                                Field(&ActionResult::message, HasSubstr("max_content_length")))));
}

TEST(ElasticsearchErrorsTest, WholeRequestStatuses) {
  Batch batch;
  batch.Add({BulkItemKind::kIndex}).Add({BulkItemKind::kDelete});
  ResponseParser parser;
  auto outcome_of = [&](unsigned status, std::string body = "") {
    BulkOutcome outcome =
        ClassifyBulk(Response(status, std::move(body)), batch.actions(), parser, kNow);
    EXPECT_FALSE(outcome.split);
    EXPECT_THAT(outcome.results, SizeIs(2));
    return outcome.results.empty() ? ActionOutcome::kApplied : outcome.results[0].outcome;
  };
  EXPECT_EQ(
      outcome_of(401, R"({"error":{"type":"security_exception","reason":"missing )"
                      R"(authentication credentials for REST request [/_bulk]"},"status":401})"),
      ActionOutcome::kFatal);
  EXPECT_EQ(
      outcome_of(403, R"({"error":{"type":"security_exception","reason":"no"},"status":403})"),
      ActionOutcome::kFatal);
  EXPECT_EQ(outcome_of(403, R"({"error":{"type":"cluster_block_exception","reason":"blocked"}})"),
            ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome_of(404), ActionOutcome::kFatal);  // url points elsewhere
  EXPECT_EQ(outcome_of(301), ActionOutcome::kFatal);
  EXPECT_EQ(outcome_of(429), ActionOutcome::kRetry);
  EXPECT_EQ(outcome_of(500), ActionOutcome::kRetry);
  EXPECT_EQ(outcome_of(502), ActionOutcome::kRetry);
  EXPECT_EQ(outcome_of(503, R"({"error":{"type":"cluster_block_exception","reason":"blocked by: )"
                            R"([SERVICE_UNAVAILABLE/1/state not recovered / initialized];"}})"),
            ActionOutcome::kUnavailable);
  EXPECT_EQ(outcome_of(422), ActionOutcome::kBadRecord);
  HttpExchangeResult throttled = Response(429, "");
  throttled.retry_after = "7";
  EXPECT_EQ(ClassifyBulk(throttled, batch.actions(), parser, kNow).results[1].retry_after,
            std::chrono::seconds(7));
}

TEST(ElasticsearchErrorsTest, TransportFailures) {
  Batch batch;
  batch.Add({BulkItemKind::kIndex});
  ResponseParser parser;
  HttpExchangeResult refused;
  refused.stage = NetStage::kConnect;
  refused.error = boost::asio::error::connection_refused;
  EXPECT_EQ(ClassifyBulk(refused, batch.actions(), parser, kNow).results[0].outcome,
            ActionOutcome::kUnavailable);
  HttpExchangeResult reset = refused;
  reset.stage = NetStage::kRead;
  reset.error = boost::asio::error::connection_reset;
  EXPECT_EQ(ClassifyBulk(reset, batch.actions(), parser, kNow).results[0].outcome,
            ActionOutcome::kUnavailable);
  HttpExchangeResult slow = refused;
  slow.stage = NetStage::kRead;
  slow.error = boost::beast::error::timeout;
  EXPECT_EQ(ClassifyBulk(slow, batch.actions(), parser, kNow).results[0].outcome,
            ActionOutcome::kRetry);
  HttpExchangeResult closing = refused;
  closing.error = boost::asio::error::operation_aborted;
  EXPECT_EQ(ClassifyBulk(closing, batch.actions(), parser, kNow).results[0].outcome,
            ActionOutcome::kUnavailable);
}

TEST(ElasticsearchErrorsTest, StartAcceptsElasticsearch7PlusAndOpenSearch) {
  ResponseParser parser;
  std::string server;
  EXPECT_TRUE(ClassifyStart(Response(200, R"({"name":"Node 1","cluster_name":"fanout",)"
                                          R"("version":{"distribution":"opensearch","number":)"
                                          R"("2.19.1","lucene_version":"9.12.1"},"tagline":)"
                                          R"("The OpenSearch Project: https://opensearch.org/"})"),
                            parser, &server)
                  .ok());
  EXPECT_EQ(server, "OpenSearch 2.19.1");
  EXPECT_TRUE(ClassifyStart(Response(200, R"({"version":{"number":"8.15.0","build_flavor":)"
                                          R"("default"},"tagline":"You Know, for Search"})"),
                            parser, &server)
                  .ok());
  EXPECT_EQ(server, "Elasticsearch 8.15.0");
  Status old = ClassifyStart(Response(200, R"({"version":{"number":"6.8.23"}})"), parser, &server);
  EXPECT_EQ(old.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(old.message(), HasSubstr("6.8.23 is not supported"));
  EXPECT_EQ(ClassifyStart(Response(200, "<html>"), parser, &server).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      ClassifyStart(Response(401, R"({"error":{"type":"security_exception"}})"), parser, &server)
          .code(),
      StatusCode::kFailedPrecondition);
  // A writer without the `monitor` privilege cannot read GET /, and may still write.
  EXPECT_TRUE(ClassifyStart(Response(403, ""), parser, &server).ok());
  EXPECT_EQ(ClassifyStart(Response(503, ""), parser, &server).code(), StatusCode::kUnavailable);
  EXPECT_EQ(ClassifyStart(Response(404, ""), parser, &server).code(),
            StatusCode::kFailedPrecondition);
  HttpExchangeResult refused;
  refused.stage = NetStage::kConnect;
  refused.error = boost::asio::error::connection_refused;
  EXPECT_EQ(ClassifyStart(refused, parser, &server).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fanout
