#include "sinks/postgres/statements.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

class PostgresStatementsTest : public ::testing::Test {
 protected:
  PostgresStatementsTest() {
    table_.exists = true;
    // As TableInfoSql spells them: qualified, without modifiers; `v` is numeric(20,0).
    table_.types = {{"id", "pg_catalog.int4"},
                    {"email", "pg_catalog.text"},
                    {"amount", "pg_catalog.\"numeric\""},
                    {"v", "pg_catalog.\"numeric\""}};
    table_.rounded = {{"amount", "numeric(10,2)"}, {"v", "numeric(20,0)"}};
  }

  PostgresAction Action(PostgresActionKind kind) {
    PostgresAction a;
    a.kind = kind;
    a.table = R"("public"."t")";
    a.route = "r";
    a.topic = "top";
    a.partition = 2;
    a.offset = 9;
    a.key = {{"id", "1", Value::Kind::kInt}};
    a.columns = {{"id", "1", Value::Kind::kInt},
                 {"email", std::nullopt, Value::Kind::kNull},
                 {"amount", "12.30", Value::Kind::kDecimal}};
    return a;
  }

  TableInfo table_;
};

TEST_F(PostgresStatementsTest, SingleUpsertWithVersionGuard) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.version = PostgresColumn{"v", "100", Value::Kind::kDecimal};
  auto s = SingleStatement(a, table_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->sql,
            "INSERT INTO \"public\".\"t\" AS fanout_t (\"id\", \"email\", \"amount\", \"v\") "
            "VALUES ($1::pg_catalog.int4, $2::pg_catalog.text, $3::pg_catalog.\"numeric\", "
            "$4::pg_catalog.\"numeric\") ON CONFLICT (\"id\") "
            "DO UPDATE SET \"email\" = EXCLUDED.\"email\", \"amount\" = EXCLUDED.\"amount\", "
            "\"v\" = EXCLUDED.\"v\" WHERE fanout_t.\"v\" IS NULL OR fanout_t.\"v\" < "
            "EXCLUDED.\"v\"");
  EXPECT_THAT(s->params, ElementsAre(Optional(std::string("1")), std::nullopt,
                                     Optional(std::string("12.30")), Optional(std::string("100"))));
}

TEST_F(PostgresStatementsTest, RunUpsertSendsOneArrayPerColumn) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.version = PostgresColumn{"v", "100", Value::Kind::kDecimal};
  PostgresAction b = a;
  b.key = {{"id", "2", Value::Kind::kInt}};
  b.columns = {{"id", "2", Value::Kind::kInt},
               {"email", "a\"b\\c, {d}", Value::Kind::kString},
               {"amount", "NULL", Value::Kind::kString}};
  b.version = PostgresColumn{"v", "101", Value::Kind::kDecimal};
  const PostgresAction* run[] = {&a, &b};
  auto s = RunStatement(run, table_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->sql,
            "INSERT INTO \"public\".\"t\" AS fanout_t (\"id\", \"email\", \"amount\", \"v\") "
            "SELECT * FROM unnest($1::pg_catalog.int4[], $2::pg_catalog.text[], "
            "$3::pg_catalog.\"numeric\"[], "
            "$4::pg_catalog.\"numeric\"[]) "
            "ON CONFLICT (\"id\") DO UPDATE SET \"email\" = EXCLUDED.\"email\", \"amount\" = "
            "EXCLUDED.\"amount\", \"v\" = EXCLUDED.\"v\" WHERE fanout_t.\"v\" IS NULL OR "
            "fanout_t.\"v\" < EXCLUDED.\"v\"");
  // NULL is the SQL null only unquoted; the text "NULL" stays a string.
  EXPECT_THAT(s->params, ElementsAre(Optional(std::string("{\"1\",\"2\"}")),
                                     Optional(std::string("{NULL,\"a\\\"b\\\\c, {d}\"}")),
                                     Optional(std::string("{\"12.30\",\"NULL\"}")),
                                     Optional(std::string("{\"100\",\"101\"}"))));
  // Built once per shape: the table keeps the text.
  EXPECT_EQ(table_.sql.size(), 1u);
}

TEST_F(PostgresStatementsTest, KeyOnlyUpsertDoesNothingOnConflict) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.columns = {a.key[0]};
  auto s = SingleStatement(a, table_);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->sql, HasSubstr("ON CONFLICT (\"id\") DO NOTHING"));
}

TEST_F(PostgresStatementsTest, DeleteTruncateAppend) {
  PostgresAction d = Action(PostgresActionKind::kDelete);
  d.version = PostgresColumn{"v", "100", Value::Kind::kDecimal};
  auto s = SingleStatement(d, table_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->sql,
            "DELETE FROM \"public\".\"t\" AS fanout_t WHERE fanout_t.\"id\" = $1::pg_catalog.int4 "
            "AND (fanout_t.\"v\" IS NULL OR fanout_t.\"v\" < "
            "($2::pg_catalog.\"numeric\")::numeric(20,0))");
  EXPECT_EQ(s->params.size(), 2u);

  const PostgresAction* run[] = {&d};
  auto r = RunStatement(run, table_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sql,
            "DELETE FROM \"public\".\"t\" AS fanout_t USING unnest($1::pg_catalog.int4[], "
            "$2::pg_catalog.\"numeric\"[]) AS fanout_d(c1, c2) WHERE fanout_t.\"id\" = "
            "fanout_d.c1 AND (fanout_t.\"v\" IS NULL OR fanout_t.\"v\" < "
            "(fanout_d.c2)::numeric(20,0))");
  EXPECT_THAT(r->params,
              ElementsAre(Optional(std::string("{\"1\"}")), Optional(std::string("{\"100\"}"))));

  auto t = SingleStatement(Action(PostgresActionKind::kTruncate), table_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->sql, "DELETE FROM \"public\".\"t\"");
  EXPECT_TRUE(t->params.empty());

  auto a = SingleStatement(Action(PostgresActionKind::kAppend), table_);
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->sql, HasSubstr("ON CONFLICT DO NOTHING"));
}

TEST_F(PostgresStatementsTest, ShapesRowsAndArrayColumns) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  PostgresAction b = a;
  b.key = {{"id", "2", Value::Kind::kInt}};
  EXPECT_EQ(ShapeOf(a), ShapeOf(b));
  EXPECT_NE(RowOf(a), RowOf(b));
  PostgresAction toast = a;  // an unchanged-TOAST column left out: another shape
  toast.columns.pop_back();
  EXPECT_NE(ShapeOf(a), ShapeOf(toast));
  EXPECT_EQ(RowOf(a), RowOf(toast));
  PostgresAction del = a;
  del.kind = PostgresActionKind::kDelete;
  EXPECT_NE(ShapeOf(a), ShapeOf(del));
  EXPECT_EQ(RowOf(a), RowOf(del));
  EXPECT_TRUE(RowOf(Action(PostgresActionKind::kAppend)).empty());

  // "1", NULL, "12.30" as array elements with their commas.
  EXPECT_EQ(RunParamBytes(a), 4u + 5u + 8u);
  EXPECT_TRUE(CanRun(a, table_));
  table_.unrunnable.insert("email");  // e.g. text[]: unnest would flatten it
  EXPECT_FALSE(CanRun(a, table_));
}

TEST_F(PostgresStatementsTest, DriftAndMissingTable) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.columns.push_back({"nickname", "bo", Value::Kind::kString});
  a.columns.push_back({"nickname", "bo", Value::Kind::kString});
  const auto missing = MissingColumns(a, table_);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->name, "nickname");
  EXPECT_EQ(AddColumnSql(R"("public"."t")", *missing[0]),
            "ALTER TABLE \"public\".\"t\" ADD COLUMN IF NOT EXISTS \"nickname\" text");
  EXPECT_FALSE(SingleStatement(a, table_).ok());
  TableInfo none;
  EXPECT_FALSE(SingleStatement(Action(PostgresActionKind::kDelete), none).ok());
}

}  // namespace
}  // namespace fanout
