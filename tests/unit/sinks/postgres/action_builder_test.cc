#include "sinks/postgres/action_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sinks/postgres/processed_offsets.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;
using Options = std::vector<std::pair<std::string, std::string>>;

class PostgresActionBuilderTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<PostgresActionBuilder>> Bind(
      Options options = {}, ColumnProjection projection = {},
      std::shared_ptr<const ProcessedOffsetsView> view = nullptr) {
    RouteSpec spec;
    spec.name = "mirror";
    spec.sink = "replica";
    spec.projection = std::move(projection);
    Result<Router> router = Router::Create({spec});
    EXPECT_TRUE(router.ok()) << router.status().ToString();
    router_ = std::move(router).value();
    options_ = std::move(options);
    return PostgresActionBuilder::Create({&router_.routes().front(), &options_}, std::move(view));
  }

  static ChangeEvent Event(Op op) {
    ChangeEvent e;
    e.op = op;
    e.schema = "public";
    e.table = "customers";
    e.key = {{"id", Value::Int(7)}};
    Row row = {{"id", Value::Int(7)},
               {"email", Value::String("a@x")},
               {"bio", Value::Unchanged()},
               {"secret", Value::String("s")}};
    if (op == Op::kDelete) {
      e.before = row;
    } else {
      e.after = row;
    }
    e.position = {SourcePosition::Kind::kPostgres, 10, 20, 0};
    return e;
  }

  KafkaRecordView Record(std::int64_t offset = 42) {
    KafkaRecordView r;
    r.topic = "db.public.customers";
    r.partition = 1;
    r.offset = offset;
    return r;
  }

  const PostgresAction& Built(const Result<std::unique_ptr<SinkAction>>& action) {
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    return dynamic_cast<const PostgresAction&>(*action.value());
  }

  Router router_;
  Options options_;
};

TEST_F(PostgresActionBuilderTest, UpsertLeavesUnchangedToastOutAndMapsColumns) {
  ColumnProjection projection;
  projection.exclude = {"secret"};
  projection.rename = {{"email", "mail"}};
  auto builder = Bind({{"version_column", "src_version"}}, projection);
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  auto result = (*builder)->Build(Event(Op::kUpdate), Record());
  const PostgresAction& a = Built(result);
  EXPECT_EQ(a.kind, PostgresActionKind::kUpsert);
  EXPECT_EQ(a.table, R"("public"."customers")");
  EXPECT_TRUE(a.table_from_record);
  EXPECT_EQ(a.route, "mirror");
  EXPECT_EQ(a.topic, "db.public.customers");
  EXPECT_EQ(a.partition, 1);
  EXPECT_EQ(a.offset, 42);
  ASSERT_EQ(a.key.size(), 1u);
  EXPECT_EQ(a.key[0].name, "id");
  EXPECT_EQ(a.key[0].text, "7");
  ASSERT_EQ(a.columns.size(), 2u);  // bio (unchanged TOAST) and secret (excluded) left out
  EXPECT_EQ(a.columns[0].name, "id");
  EXPECT_EQ(a.columns[1].name, "mail");
  ASSERT_TRUE(a.version.has_value());
  EXPECT_EQ(a.version->name, "src_version");
  EXPECT_EQ(a.version->text, "184467440737095516180");  // 10 * 2^64 + 20
}

TEST_F(PostgresActionBuilderTest, DeleteTruncateAndTargetTable) {
  auto builder = Bind({{"table", "replica.people"}, {"truncate", "true"}});
  ASSERT_TRUE(builder.ok());
  auto d_result = (*builder)->Build(Event(Op::kDelete), Record());
  const PostgresAction& d = Built(d_result);
  EXPECT_EQ(d.kind, PostgresActionKind::kDelete);
  EXPECT_EQ(d.table, R"("replica"."people")");
  EXPECT_FALSE(d.table_from_record);
  EXPECT_TRUE(d.columns.empty());
  ChangeEvent t;
  t.op = Op::kTruncate;
  t.schema = "public";
  t.table = "customers";
  auto t_result = (*builder)->Build(t, Record());
  const PostgresAction& tr = Built(t_result);
  EXPECT_EQ(tr.kind, PostgresActionKind::kTruncate);

  auto plain = Bind();
  ASSERT_TRUE(plain.ok());
  auto ignored = (*plain)->Build(t, Record());
  ASSERT_TRUE(ignored.ok());
  EXPECT_EQ(ignored.value(), nullptr) << "truncate is opt-in";
}

TEST_F(PostgresActionBuilderTest, AppendWritesOpAndPosition) {
  auto builder = Bind({{"mode", "append"}, {"table", "audit"}});
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  auto result = (*builder)->Build(Event(Op::kDelete), Record());
  const PostgresAction& a = Built(result);
  EXPECT_EQ(a.kind, PostgresActionKind::kAppend);
  ASSERT_GE(a.columns.size(), 2u);
  EXPECT_EQ(a.columns[a.columns.size() - 2].name, "fanout_op");
  EXPECT_EQ(a.columns[a.columns.size() - 2].text, "d");
  EXPECT_EQ(a.columns.back().name, "fanout_position");
  EXPECT_EQ(a.columns.back().text, "pg:10:20");
}

TEST_F(PostgresActionBuilderTest, ASchemaWithADotStaysOneName) {
  auto builder = Bind({});
  ASSERT_TRUE(builder.ok());
  ChangeEvent event = Event(Op::kCreate);
  event.schema = "my.schema";
  event.table = "we\"ird";
  const Result<std::unique_ptr<SinkAction>> built = (*builder)->Build(event, Record());
  EXPECT_EQ(Built(built).table, R"("my.schema"."we""ird")");
}

TEST_F(PostgresActionBuilderTest, ANulCharacterIsABadRecordNeverCut) {
  auto builder = Bind({});
  ASSERT_TRUE(builder.ok());
  ChangeEvent in_value = Event(Op::kCreate);
  in_value.after->at(1).value = Value::String(std::string("a\0b", 3));
  auto result = (*builder)->Build(in_value, Record());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("email"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("NUL"));

  ChangeEvent in_table = Event(Op::kDelete);
  in_table.table = std::string("cust\0omers", 10);
  EXPECT_FALSE((*builder)->Build(in_table, Record()).ok());
}

TEST_F(PostgresActionBuilderTest, BadOptionsAndRecords) {
  EXPECT_FALSE(Bind({{"mode", "merge"}}).ok());
  EXPECT_FALSE(Bind({{"mode", "append"}, {"version_column", "v"}}).ok());
  EXPECT_FALSE(Bind({{"op_column", "op"}}).ok());
  EXPECT_FALSE(Bind({{"index", "x"}}).ok());
  EXPECT_FALSE(Bind({{"table", "a.b.c"}}).ok());

  ColumnProjection projection;
  projection.exclude = {"id"};
  auto builder = Bind({}, projection);
  ASSERT_TRUE(builder.ok());
  auto result = (*builder)->Build(Event(Op::kCreate), Record());
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("key column 'id'"));

  auto keyless = Bind();
  ChangeEvent e = Event(Op::kCreate);
  e.key.clear();
  EXPECT_FALSE((*keyless)->Build(e, Record()).ok());
}

TEST_F(PostgresActionBuilderTest, SkipsWhatTheDatabaseHasUnlessRejected) {
  auto view = std::make_shared<ProcessedOffsetsView>();
  view->Set("mirror", "db.public.customers", 1, 40);
  view->AddRejected("mirror", "db.public.customers", 1, 38);
  auto builder = Bind({}, {}, view);
  ASSERT_TRUE(builder.ok());
  auto applied = (*builder)->Build(Event(Op::kCreate), Record(39));
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied.value(), nullptr);
  auto rejected = (*builder)->Build(Event(Op::kCreate), Record(38));
  ASSERT_TRUE(rejected.ok());
  EXPECT_NE(rejected.value(), nullptr) << "a rejected record is sent again (its dead letter)";
  auto next = (*builder)->Build(Event(Op::kCreate), Record(40));
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next.value(), nullptr);
}

}  // namespace
}  // namespace fanout
