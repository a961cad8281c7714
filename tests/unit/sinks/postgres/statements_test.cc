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
  PostgresStatementsTest() : offsets_("fanout_processed_offsets") {
    table_.exists = true;
    table_.types = {
        {"id", "integer"}, {"email", "text"}, {"amount", "numeric(10,2)"}, {"v", "numeric"}};
  }

  PostgresAction Action(PostgresActionKind kind) {
    PostgresAction a;
    a.kind = kind;
    a.table = "public.t";
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

  ProcessedOffsetsSql offsets_;
  TableInfo table_;
};

TEST_F(PostgresStatementsTest, UpsertWithVersionGuard) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.version = PostgresColumn{"v", "100", Value::Kind::kDecimal};
  auto s = BuildStatement(a, table_, offsets_, "g");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->sql,
            "INSERT INTO \"public\".\"t\" AS fanout_t (\"id\", \"email\", \"amount\", \"v\") "
            "SELECT $1::integer, $2::text, $3::numeric(10,2), $4::numeric WHERE NOT EXISTS "
            "(SELECT 1 FROM \"fanout_processed_offsets\" fanout_o WHERE fanout_o.consumer_group "
            "= $5 AND fanout_o.route = $6 AND fanout_o.topic = $7 AND fanout_o.\"partition\" = "
            "$8::integer AND fanout_o.next_offset > $9::bigint) ON CONFLICT (\"id\") DO UPDATE "
            "SET \"email\" = EXCLUDED.\"email\", \"amount\" = EXCLUDED.\"amount\", \"v\" = "
            "EXCLUDED.\"v\" WHERE fanout_t.\"v\" IS NULL OR fanout_t.\"v\" < EXCLUDED.\"v\"");
  EXPECT_THAT(s->params,
              ElementsAre(Optional(std::string("1")), std::nullopt, Optional(std::string("12.30")),
                          Optional(std::string("100")), Optional(std::string("g")),
                          Optional(std::string("r")), Optional(std::string("top")),
                          Optional(std::string("2")), Optional(std::string("9"))));
}

TEST_F(PostgresStatementsTest, KeyOnlyUpsertDoesNothingOnConflict) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.columns = {a.key[0]};
  auto s = BuildStatement(a, table_, offsets_, "g");
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->sql, HasSubstr("ON CONFLICT (\"id\") DO NOTHING"));
}

TEST_F(PostgresStatementsTest, DeleteTruncateAppend) {
  PostgresAction d = Action(PostgresActionKind::kDelete);
  d.version = PostgresColumn{"v", "100", Value::Kind::kDecimal};
  auto s = BuildStatement(d, table_, offsets_, "g");
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->sql, HasSubstr("DELETE FROM \"public\".\"t\" AS fanout_t WHERE fanout_t.\"id\" = "
                                "$1::integer AND (fanout_t.\"v\" IS NULL OR fanout_t.\"v\" < "
                                "$2::numeric) AND NOT EXISTS"));
  EXPECT_EQ(s->params.size(), 7u);

  auto t = BuildStatement(Action(PostgresActionKind::kTruncate), table_, offsets_, "g");
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(t->sql, HasSubstr("DELETE FROM \"public\".\"t\" WHERE NOT EXISTS"));
  EXPECT_EQ(t->params.size(), 5u);

  auto a = BuildStatement(Action(PostgresActionKind::kAppend), table_, offsets_, "g");
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->sql, HasSubstr("ON CONFLICT DO NOTHING"));
}

TEST_F(PostgresStatementsTest, DriftAndMissingTable) {
  PostgresAction a = Action(PostgresActionKind::kUpsert);
  a.columns.push_back({"nickname", "bo", Value::Kind::kString});
  a.columns.push_back({"nickname", "bo", Value::Kind::kString});
  const auto missing = MissingColumns(a, table_);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->name, "nickname");
  EXPECT_EQ(AddColumnSql("public.t", *missing[0]),
            "ALTER TABLE \"public\".\"t\" ADD COLUMN IF NOT EXISTS \"nickname\" text");
  EXPECT_FALSE(BuildStatement(a, table_, offsets_, "g").ok());
  TableInfo none;
  EXPECT_FALSE(BuildStatement(Action(PostgresActionKind::kDelete), none, offsets_, "g").ok());
}

}  // namespace
}  // namespace fanout
