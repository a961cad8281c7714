#include "sinks/postgres/values.h"

#include <gtest/gtest.h>

#include <limits>

namespace fanout {
namespace {

TEST(PostgresValuesTest, RendersEveryKindAsText) {
  EXPECT_EQ(RenderValue(Value::Null()), std::nullopt);
  EXPECT_EQ(RenderValue(Value::Bool(true)), "true");
  EXPECT_EQ(RenderValue(Value::Bool(false)), "false");
  EXPECT_EQ(RenderValue(Value::Int(-42)), "-42");
  EXPECT_EQ(RenderValue(Value::Double(0.1)), "0.1");
  EXPECT_EQ(RenderValue(Value::Double(std::numeric_limits<double>::infinity())), "Infinity");
  EXPECT_EQ(RenderValue(Value::Double(std::numeric_limits<double>::quiet_NaN())), "NaN");
  EXPECT_EQ(RenderValue(Value::Decimal("99999999999999999999.01")), "99999999999999999999.01");
  EXPECT_EQ(RenderValue(Value::String("2024-02-29T12:00:00.123456Z")),
            "2024-02-29T12:00:00.123456Z");
  EXPECT_EQ(RenderValue(Value::Json("{\"a\":[1,2]}")), "{\"a\":[1,2]}");
  EXPECT_EQ(RenderValue(Value::Bytes(std::string("\x00\xff\x10", 3))), "\\x00ff10");
}

TEST(PostgresValuesTest, TypesForNewColumns) {
  EXPECT_EQ(SqlTypeFor(Value::Kind::kInt), "bigint");
  EXPECT_EQ(SqlTypeFor(Value::Kind::kDecimal), "numeric");
  EXPECT_EQ(SqlTypeFor(Value::Kind::kJson), "jsonb");
  EXPECT_EQ(SqlTypeFor(Value::Kind::kBytes), "bytea");
  EXPECT_EQ(SqlTypeFor(Value::Kind::kString), "text");
  EXPECT_EQ(SqlTypeFor(Value::Kind::kNull), "text");
}

TEST(PostgresValuesTest, Quoting) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteQualified("public.Orders"), "\"public\".\"Orders\"");
  EXPECT_EQ(QuoteQualified("t"), "\"t\"");
}

TEST(PostgresValuesTest, VersionKeepsCommitOrder) {
  EXPECT_EQ(Uint128ToDecimal(0, 0), "0");
  EXPECT_EQ(Uint128ToDecimal(0, 18446744073709551615ull), "18446744073709551615");
  EXPECT_EQ(Uint128ToDecimal(1, 0), "18446744073709551616");
  EXPECT_EQ(Uint128ToDecimal(18446744073709551615ull, 18446744073709551615ull),
            "340282366920938463463374607431768211455");
  ChangeEvent a;
  a.position = {SourcePosition::Kind::kPostgres, 100, 5000, 0};
  ChangeEvent b;  // committed after a's transaction, but with a smaller row LSN
  b.position = {SourcePosition::Kind::kPostgres, 200, 150, 0};
  KafkaRecordView record;
  Result<std::string> va = PostgresVersion(a, record);
  Result<std::string> vb = PostgresVersion(b, record);
  ASSERT_TRUE(va.ok() && vb.ok());
  // Both are decimal integers of the same magnitude class: compare as numbers via length+text.
  EXPECT_TRUE(va->size() < vb->size() || (va->size() == vb->size() && *va < *vb))
      << *va << " vs " << *vb;
  ChangeEvent none;
  record.offset = 7;
  EXPECT_EQ(PostgresVersion(none, record).value(), "7");
  record.offset = -1;
  EXPECT_FALSE(PostgresVersion(none, record).ok());
}

}  // namespace
}  // namespace fanout
