// ClickHouseActionBuilder on real Debezium 3.2 PostgreSQL output (tests/data/debezium/postgres):
// `customers` has the default REPLICA IDENTITY (only the key columns on deletes, a primary-key
// change), `tiny` has REPLICA IDENTITY FULL and a truncate, `big` has unchanged-TOAST columns.
#include "sinks/clickhouse/action_builder.h"

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

using ::testing::HasSubstr;
using Options = std::vector<std::pair<std::string, std::string>>;

class ClickHouseActionBuilderTest : public ::testing::Test {
 protected:
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

  // The first event of `table` with `op` (and a before image when `with_before`).
  const ChangeEvent& First(const std::string& table, Op op) {
    for (const ChangeEvent& event : Events(table)) {
      if (event.kind == RecordKind::kChange && event.op == op) return event;
    }
    ADD_FAILURE() << "no " << OpName(op) << " in " << table;
    return Events(table).front();
  }

  Result<std::unique_ptr<ClickHouseActionBuilder>> Bind(Options options = {},
                                                        ColumnProjection projection = {},
                                                        RouteSpec spec = {}) {
    spec.name = "warehouse";
    spec.sink = "warehouse";
    spec.projection = std::move(projection);
    Result<Router> router = Router::Create({spec});
    EXPECT_TRUE(router.ok()) << router.status().ToString();
    router_ = std::move(router).value();
    options_ = std::move(options);
    return ClickHouseActionBuilder::Create({&router_.routes().front(), &options_}, "dw");
  }

  // The action's row (checked to be one JSON object ending in '\n'); "" for a null action.
  std::string Row(const ClickHouseActionBuilder& builder, const ChangeEvent& event,
                  std::string* table = nullptr) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    if (!action.ok() || *action == nullptr) return "";
    const auto& row = dynamic_cast<const ClickHouseAction&>(**action);
    if (table != nullptr) *table = std::string(row.table());
    std::string_view text = row.row();
    EXPECT_TRUE(text.ends_with('\n'));
    text.remove_suffix(1);
    EXPECT_EQ(text.find('\n'), std::string_view::npos) << "one line per row";
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    EXPECT_EQ(parser.parse(text).get_object().get(object), simdjson::SUCCESS) << text;
    return std::string(text);
  }

  std::string BuildError(const ClickHouseActionBuilder& builder, const ChangeEvent& event) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
    EXPECT_FALSE(action.ok());
    if (action.ok()) return "";
    EXPECT_EQ(action.status().code(), StatusCode::kInvalidArgument);
    return std::string(action.status().message());
  }

  DebeziumDecoder decoder_;
  std::map<std::string, std::vector<testing::CapturedRecord>> records_;
  std::map<std::string, std::vector<ChangeEvent>> events_;
  Router router_;
  Options options_;
};

TEST_F(ClickHouseActionBuilderTest, RouteOptions) {
  EXPECT_THAT(Bind({{"index", "x"}}).status().message(),
              HasSubstr("index: not an option of a clickhouse route"));
  EXPECT_THAT(Bind({{"table", ""}}).status().message(), HasSubstr("table: must not be empty"));
  EXPECT_THAT(Bind({{"decimals", "float"}}).status().message(),
              HasSubstr("decimals: must be number or string"));
  RouteSpec templated;
  templated.templates = {{"key", "{id}"}};
  EXPECT_THAT(Bind({}, {}, templated).status().message(), HasSubstr("key: not an option"));
  EXPECT_TRUE(Bind({{"table", "t"}, {"decimals", "string"}}).ok());
}

TEST_F(ClickHouseActionBuilderTest, SnapshotReadIsTheAfterImageWithVersionAndNotDeleted) {
  auto builder = Bind();
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  const ChangeEvent& read = Events("customers")[0];
  ASSERT_EQ(read.op, Op::kRead);
  std::string table;
  // Decimals are numbers with the source's digits, json a string of its text, the version the
  // one OpenSearch's external_gte gets (sinks/source_version.h).
  EXPECT_EQ(
      Row(**builder, read, &table),
      R"({"id":1,"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com",)"
      R"("balance":1234.50,"born":"1815-12-10","updated_at":"2024-01-02T03:04:05.123456Z",)"
      R"("notes":"first programmer","profile":"{\"tags\": [\"math\", \"poetry\"], \"tier\": \"gold\"}",)"
      R"("_version":26734104,"_deleted":0})");
  EXPECT_EQ(table, "`dw`.`customers`") << "the source table's name, in the sink's database";
}

TEST_F(ClickHouseActionBuilderTest, ProjectionTableAndDecimalsAsStrings) {
  ColumnProjection projection;
  projection.include = {"id", "email", "balance"};
  projection.rename = {{"email", "mail"}};
  auto builder = Bind({{"table", "cust"}, {"decimals", "string"}}, projection);
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  const ChangeEvent& update = Events("customers")[6];
  ASSERT_EQ(update.op, Op::kUpdate);
  std::string table;
  EXPECT_EQ(Row(**builder, update, &table),
            R"({"id":1,"mail":"ada@example.com","balance":"1334.50","_version":26738456,)"
            R"("_deleted":0})");
  EXPECT_EQ(table, "`dw`.`cust`");
}

TEST_F(ClickHouseActionBuilderTest, ADeleteIsARowMarkedDeletedWithTheKey) {
  auto builder = Bind();
  ASSERT_TRUE(builder.ok());
  // customers: default replica identity; Debezium fills the before image's other columns with
  // nulls and defaults, which is what a deleted row may hold.
  EXPECT_EQ(Row(**builder, First("customers", Op::kDelete)),
            R"({"id":4,"first_name":"","last_name":null,"email":null,"balance":null,"born":null,)"
            R"("updated_at":"1970-01-01T00:00:00.000000Z","notes":null,"profile":null,)"
            R"("_version":26739120,"_deleted":1})");
  // tiny: REPLICA IDENTITY FULL, the whole before image.
  const ChangeEvent& full = First("tiny", Op::kDelete);
  ASSERT_TRUE(full.before.has_value());
  const std::string tiny = Row(**builder, full);
  for (const Column& column : *full.before) EXPECT_THAT(tiny, HasSubstr("\"" + column.name + "\""));
  EXPECT_THAT(tiny, HasSubstr(R"("_deleted":1})"));
}

TEST_F(ClickHouseActionBuilderTest, TruncateAndTombstonesAreNothing) {
  auto builder = Bind();
  ASSERT_TRUE(builder.ok());
  EXPECT_EQ(Row(**builder, First("tiny", Op::kTruncate)), "");
  ChangeEvent tombstone;
  tombstone.kind = RecordKind::kTombstone;
  EXPECT_EQ(Row(**builder, tombstone), "");
}

TEST_F(ClickHouseActionBuilderTest, UnchangedToastIsABadRecordAndReservedNamesAreRefused) {
  auto builder = Bind();
  ASSERT_TRUE(builder.ok());
  bool found = false;
  for (const ChangeEvent& event : Events("big")) {
    if (!event.after || event.before) continue;
    for (const Column& column : *event.after) {
      if (column.value.kind() != Value::Kind::kUnchanged) continue;
      EXPECT_THAT(BuildError(**builder, event), HasSubstr("unchanged TOAST"));
      found = true;
      break;
    }
    if (found) break;
  }
  EXPECT_TRUE(found) << "the capture has an unchanged-TOAST update without before image";

  ColumnProjection projection;
  projection.rename = {{"email", "_version"}};
  auto renamed = Bind({}, projection);
  ASSERT_TRUE(renamed.ok());
  EXPECT_THAT(BuildError(**renamed, Events("customers")[0]),
              HasSubstr("one the sink writes itself"));
}

TEST_F(ClickHouseActionBuilderTest, NoPositionAndNoOffsetIsABadRecord) {
  auto builder = Bind();
  ASSERT_TRUE(builder.ok());
  ChangeEvent event = Events("customers")[0];
  event.position = SourcePosition{};
  EXPECT_THAT(BuildError(**builder, event), HasSubstr("no source position"));
  KafkaRecordView record;
  record.offset = 42;
  Result<std::unique_ptr<SinkAction>> action = (*builder)->Build(event, record);
  ASSERT_TRUE(action.ok());
  EXPECT_THAT(std::string(dynamic_cast<const ClickHouseAction&>(**action).row()),
              HasSubstr(R"("_version":42,)"));
}

}  // namespace
}  // namespace fanout
