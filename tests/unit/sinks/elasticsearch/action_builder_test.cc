// ElasticsearchActionBuilder on real Debezium 3.2 PostgreSQL output
// (tests/data/debezium/postgres): `customers` has the default REPLICA IDENTITY (no before image
// on updates, only the key columns on deletes, a primary-key change), `tiny` has REPLICA
// IDENTITY FULL and a truncate, `big` has unchanged-TOAST columns.
#include "sinks/elasticsearch/action_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "processor/debezium/decoder.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Options = std::vector<std::pair<std::string, std::string>>;
using Templates = std::vector<std::pair<std::string, std::string>>;

class ElasticsearchActionBuilderTest : public ::testing::Test {
 protected:
  // The decoded events of a captured table (with schemas), in offset order.
  const std::vector<ChangeEvent>& Events(const std::string& table) {
    std::vector<ChangeEvent>& events = events_[table];
    if (!events.empty()) return events;
    const std::string path = std::string(FANOUT_TEST_DATA_DIR) +
                             "/debezium/postgres/capschema.public." + table + ".jsonl";
    records_[table] = testing::ReadCapturedRecords(path);
    for (const testing::CapturedRecord& record : records_[table]) {
      ChangeEvent event;
      Status status = decoder_.Decode(record.View(), &event);
      EXPECT_TRUE(status.ok()) << status.ToString();
      events.push_back(std::move(event));
    }
    return events;
  }

  Result<std::unique_ptr<ElasticsearchActionBuilder>> Bind(Templates templates,
                                                           Options options = {},
                                                           ColumnProjection projection = {}) {
    RouteSpec spec;
    spec.name = "search";
    spec.sink = "search";
    spec.templates = std::move(templates);
    spec.projection = std::move(projection);
    Result<Router> router = Router::Create({spec});
    EXPECT_TRUE(router.ok()) << router.status().ToString();
    router_ = std::move(router).value();
    options_ = std::move(options);
    return ElasticsearchActionBuilder::Create({&router_.routes().front(), &options_});
  }

  // The NDJSON lines of the action for `event` (each without its '\n'), checking that every
  // line is one JSON object and that the lines end with a newline.
  std::vector<std::string> Lines(const ElasticsearchActionBuilder& builder,
                                 const ChangeEvent& event, std::size_t* items = nullptr) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    std::vector<std::string> lines;
    if (!action.ok() || *action == nullptr) return lines;
    const auto& es = dynamic_cast<const ElasticsearchAction&>(**action);
    if (items != nullptr) *items = es.items().size();
    std::string_view text = es.ndjson();
    EXPECT_TRUE(text.ends_with('\n'));
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      lines.emplace_back(text.substr(0, end));
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    simdjson::dom::parser parser;
    for (const std::string& line : lines) {
      simdjson::dom::object object;
      EXPECT_EQ(parser.parse(line).get_object().get(object), simdjson::SUCCESS) << line;
    }
    return lines;
  }

  std::string BuildError(const ElasticsearchActionBuilder& builder, const ChangeEvent& event) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
    EXPECT_FALSE(action.ok());
    if (action.ok()) return "";
    EXPECT_EQ(action.status().code(), StatusCode::kInvalidArgument);
    return std::string(action.status().message());
  }

  static std::string IndexLine(const std::string& index, const std::string& id,
                               std::int64_t version) {
    return R"({"index":{"_index":")" + index + R"(","_id":")" + id + R"(","version":)" +
           std::to_string(version) + R"(,"version_type":"external_gte"}})";
  }
  static std::string DeleteLine(const std::string& index, const std::string& id,
                                std::int64_t version) {
    return R"({"delete":{"_index":")" + index + R"(","_id":")" + id + R"(","version":)" +
           std::to_string(version) + R"(,"version_type":"external_gte"}})";
  }

  DebeziumDecoder decoder_;
  std::map<std::string, std::vector<testing::CapturedRecord>> records_;
  std::map<std::string, std::vector<ChangeEvent>> events_;
  Router router_;
  Options options_;
};

TEST_F(ElasticsearchActionBuilderTest, RouteNeedsOneIndexAndKnownOptions) {
  EXPECT_THAT(Bind({}).status().message(), HasSubstr("index: required"));
  EXPECT_THAT(Bind({{"index", "a"}, {"index", "b"}}).status().message(),
              HasSubstr("index: one index template"));
  EXPECT_THAT(Bind({{"index", "a"}, {"id", "{id}"}, {"id", "{id}"}}).status().message(),
              HasSubstr("id: one id template"));
  EXPECT_THAT(Bind({{"index", "a"}, {"upsert", "x"}}).status().message(),
              HasSubstr("upsert: not an option of an elasticsearch route"));
  EXPECT_THAT(Bind({{"index", "a"}}, {{"format", "json"}}).status().message(),
              HasSubstr("format: not an option"));
  EXPECT_THAT(Bind({{"index", "a"}}, {{"delete_mode", "gentle"}}).status().message(),
              HasSubstr("delete_mode: must be hard or soft"));
  EXPECT_THAT(Bind({{"index", "a"}}, {{"decimals", "float"}}).status().message(),
              HasSubstr("decimals: must be string or number"));
  EXPECT_TRUE(Bind({{"index", "a"}}, {{"delete_mode", "soft"}, {"decimals", "number"}}).ok());
}

TEST_F(ElasticsearchActionBuilderTest, SnapshotReadIndexesTheAfterImageWithNaturalValues) {
  auto builder = Bind({{"index", "customers"}});
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  const ChangeEvent& read = Events("customers")[0];
  ASSERT_EQ(read.op, Op::kRead);
  std::size_t items = 0;
  std::vector<std::string> lines = Lines(**builder, read, &items);
  EXPECT_EQ(items, 1u);
  ASSERT_EQ(lines.size(), 2u);
  // A snapshot row has no commit LSN: the version is the snapshot's LSN.
  EXPECT_EQ(lines[0], IndexLine("customers", "1", 26734104));
  EXPECT_EQ(
      lines[1],
      R"({"id":1,"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com",)"
      R"("balance":"1234.50","born":"1815-12-10","updated_at":"2024-01-02T03:04:05.123456Z",)"
      R"("notes":"first programmer","profile":{"tags": ["math", "poetry"], "tier": "gold"}})");
}

TEST_F(ElasticsearchActionBuilderTest, EscapesTextSoEveryDocumentStaysOnItsLine) {
  auto builder = Bind({{"index", "customers"}});
  ASSERT_TRUE(builder.ok());
  std::vector<std::string> lines = Lines(**builder, Events("customers")[2]);  // Grace's notes
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[1], HasSubstr(R"("notes":"quote \" backslash \\ newline\n tab\t end")"));
  lines = Lines(**builder, Events("customers")[3]);  // Edsger: unicode, nulls
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[1], HasSubstr(R"("last_name":null,"email":null,"balance":null)"));
  EXPECT_THAT(lines[1], HasSubstr("Zürich – 東京 – 🚀"));
}

TEST_F(ElasticsearchActionBuilderTest, ProjectionShapesTheDocumentAndDecimalsCanBeNumbers) {
  ColumnProjection projection;
  projection.include = {"id", "email", "balance"};
  projection.rename = {{"email", "mail"}};
  auto builder = Bind({{"index", "customers"}}, {{"decimals", "number"}}, projection);
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  const ChangeEvent& update = Events("customers")[6];  // streamed: sequence [26738456, 26738456]
  ASSERT_EQ(update.op, Op::kUpdate);
  EXPECT_THAT(Lines(**builder, update),
              ElementsAre(IndexLine("customers", "1", 26738456),
                          R"({"id":1,"mail":"ada@example.com","balance":1334.50})"));
  EXPECT_TRUE(IsJsonNumber("-20.00"));
  EXPECT_TRUE(IsJsonNumber("0.5e-3"));
  EXPECT_FALSE(IsJsonNumber("NaN"));
  EXPECT_FALSE(IsJsonNumber("01"));
  EXPECT_FALSE(IsJsonNumber("1."));
  EXPECT_FALSE(IsJsonNumber(""));
}

TEST_F(ElasticsearchActionBuilderTest, TemplatesRenderTheIndexAndTheId) {
  auto builder = Bind({{"index", "cdc-{schema}-{table}"}, {"id", "{table}/{id}"}});
  ASSERT_TRUE(builder.ok());
  std::vector<std::string> lines = Lines(**builder, Events("tiny")[0]);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], IndexLine("cdc-public-tiny", "tiny/1", 26734104));
  EXPECT_EQ(lines[1], R"({"id":1,"label":"one"})");
}

TEST_F(ElasticsearchActionBuilderTest, HardDeleteIsVersionedAtTheKey) {
  auto builder = Bind({{"index", "customers"}});
  ASSERT_TRUE(builder.ok());
  const ChangeEvent& del = Events("customers")[8];  // row 4
  ASSERT_EQ(del.op, Op::kDelete);
  std::size_t items = 0;
  EXPECT_THAT(Lines(**builder, del, &items), ElementsAre(DeleteLine("customers", "4", 26739120)));
  EXPECT_EQ(items, 1u);
}

TEST_F(ElasticsearchActionBuilderTest, SoftDeleteIndexesATombstoneWithTheKeyColumns) {
  ColumnProjection projection;
  projection.rename = {{"id", "customer_id"}};
  auto builder = Bind({{"index", "customers"}}, {{"delete_mode", "soft"}}, projection);
  ASSERT_TRUE(builder.ok());
  EXPECT_THAT(
      Lines(**builder, Events("customers")[8]),
      ElementsAre(IndexLine("customers", "4", 26739120), R"({"_deleted":true,"customer_id":4})"));
}

TEST_F(ElasticsearchActionBuilderTest, PrimaryKeyChangeDeletesTheOldIdAndIndexesTheNewOne) {
  auto builder = Bind({{"index", "customers"}});
  ASSERT_TRUE(builder.ok());
  const std::vector<ChangeEvent>& events = Events("customers");
  ASSERT_TRUE(events[10].new_key.has_value());
  EXPECT_THAT(Lines(**builder, events[10]), ElementsAre(DeleteLine("customers", "2", 26739240)));
  std::vector<std::string> create = Lines(**builder, events[12]);
  ASSERT_EQ(create.size(), 2u);
  // One transaction, one position: both versions are equal, and they are different documents.
  EXPECT_EQ(create[0], IndexLine("customers", "102", 26739240));
}

TEST_F(ElasticsearchActionBuilderTest, UpdateThatMovesTheDocumentDeletesTheOldLocationFirst) {
  auto builder = Bind({{"index", "labels"}, {"id", "{label}"}});
  ASSERT_TRUE(builder.ok());
  std::size_t items = 0;
  // tiny has REPLICA IDENTITY FULL: the before image says where the document was.
  EXPECT_THAT(Lines(**builder, Events("tiny")[2], &items),
              ElementsAre(DeleteLine("labels", "one", 26757400),
                          IndexLine("labels", "uno", 26757400), R"({"id":1,"label":"uno"})"));
  EXPECT_EQ(items, 2u);

  auto soft = Bind({{"index", "labels-{label}"}}, {{"delete_mode", "soft"}});
  ASSERT_TRUE(soft.ok());
  EXPECT_THAT(Lines(**soft, Events("tiny")[2]),
              ElementsAre(IndexLine("labels-one", "1", 26757400), R"({"_deleted":true,"id":1})",
                          IndexLine("labels-uno", "1", 26757400), R"({"id":1,"label":"uno"})"));

  // Without a before image (REPLICA IDENTITY DEFAULT) nothing is known of the old location.
  auto customers = Bind({{"index", "customers"}, {"id", "{email}"}});
  ASSERT_TRUE(customers.ok());
  EXPECT_EQ(Lines(**customers, Events("customers")[7]).size(), 2u);
}

TEST_F(ElasticsearchActionBuilderTest, TruncateAndMessagesHaveNothingToIndex) {
  auto builder = Bind({{"index", "tiny"}});
  ASSERT_TRUE(builder.ok());
  const ChangeEvent& truncate = Events("tiny")[5];
  ASSERT_EQ(truncate.op, Op::kTruncate);
  Result<std::unique_ptr<SinkAction>> none = (*builder)->Build(truncate, KafkaRecordView{});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  ChangeEvent heartbeat;
  heartbeat.kind = RecordKind::kHeartbeat;
  none = (*builder)->Build(heartbeat, KafkaRecordView{});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
}

TEST_F(ElasticsearchActionBuilderTest, UnchangedToastColumnIsABadRecordUnlessExcluded) {
  const ChangeEvent& update = Events("big")[2];
  auto builder = Bind({{"index", "big"}});
  ASSERT_TRUE(builder.ok());
  EXPECT_THAT(BuildError(**builder, update),
              HasSubstr("column 'payload' is an unchanged TOAST value"));
  ColumnProjection projection;
  projection.exclude = {"payload"};
  auto without = Bind({{"index", "big"}}, {}, projection);
  ASSERT_TRUE(without.ok());
  EXPECT_THAT(Lines(**without, update),
              ElementsAre(IndexLine("big", "1", 26757104), R"({"id":1,"rev":1})"));
}

TEST_F(ElasticsearchActionBuilderTest, LocationsThatCannotBeUsedAreBadRecords) {
  const ChangeEvent& read = Events("customers")[3];  // Edsger: email is null
  auto null_id = Bind({{"index", "customers"}, {"id", "{email}"}});
  ASSERT_TRUE(null_id.ok());
  EXPECT_THAT(BuildError(**null_id, read), HasSubstr("id: placeholder {email}"));

  auto long_id = Bind({{"index", "customers"}, {"id", std::string(600, 'x')}});
  ASSERT_TRUE(long_id.ok());
  EXPECT_THAT(BuildError(**long_id, read), HasSubstr("600 bytes; Elasticsearch allows at most"));

  ChangeEvent keyless = read;
  keyless.key.clear();
  auto by_key = Bind({{"index", "customers"}});
  ASSERT_TRUE(by_key.ok());
  EXPECT_THAT(BuildError(**by_key, keyless), HasSubstr("set the route's `id` template"));

  ChangeEvent unversioned = read;
  unversioned.position = {};
  EXPECT_THAT(BuildError(**by_key, unversioned), HasSubstr("no source position"));

  auto soft = Bind({{"index", "customers"}}, {{"delete_mode", "soft"}});
  ASSERT_TRUE(soft.ok());
  ChangeEvent clash = read;
  clash.after->push_back({"_deleted", Value::Bool(false)});
  EXPECT_THAT(BuildError(**soft, clash), HasSubstr("written as _deleted"));
}

TEST_F(ElasticsearchActionBuilderTest, RawLineBreaksInJsonValuesNeverReachTheRequest) {
  auto builder = Bind({{"index", "tiny"}});
  ASSERT_TRUE(builder.ok());
  ChangeEvent event = Events("tiny")[0];
  (*event.after)[1].value = Value::Json("{\"a\":\n1}");
  EXPECT_THAT(Lines(**builder, event),
              ElementsAre(IndexLine("tiny", "1", 26734104), R"({"id":1,"label":{"a": 1}})"));
}

}  // namespace
}  // namespace fanout
