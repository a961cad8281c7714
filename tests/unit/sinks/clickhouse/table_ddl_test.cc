// The CREATE TABLE of `fanout init-sink` from real Debezium records with schemas: the captured
// `customers` table and the PostgreSQL type matrix (tests/data/postgres/type_matrix.sql).
#include "sinks/clickhouse/table_ddl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string FirstLine(const std::string& relative) {
  std::ifstream in(std::string(FANOUT_TEST_DATA_DIR) + "/" + relative);
  std::string line;
  std::getline(in, line);
  EXPECT_FALSE(line.empty()) << relative;
  return line;
}

const ColumnNamer kSameNames = [](std::string_view column) -> std::optional<std::string> {
  return std::string(column);
};

TEST(ClickHouseTableDdlTest, CustomersForCurrentReleases) {
  Result<CapturedRecordText> record =
      ParseCapturedRecord(FirstLine("debezium/postgres/capschema.public.customers.jsonl"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  const CapturedTable source = CapturedSourceTable(*record);
  EXPECT_EQ(source.table, "customers");
  EXPECT_EQ(source.qualified, "public.customers");
  Result<std::string> ddl =
      ClickHouseCreateTable(*record, "`dw`.`customers`", kSameNames, ClickHouseDialect{});
  ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
  EXPECT_THAT(*ddl, HasSubstr("CREATE TABLE IF NOT EXISTS `dw`.`customers`\n(\n    `id` Int32,\n"
                              "    `first_name` String,\n    `last_name` Nullable(String),\n"));
  EXPECT_THAT(*ddl, HasSubstr("`email` Nullable(String)"));
  EXPECT_THAT(*ddl, HasSubstr("`balance` Nullable(Decimal(10, 2))"));
  EXPECT_THAT(*ddl, HasSubstr("`born` Nullable(Date32)"));
  EXPECT_THAT(*ddl, HasSubstr("`updated_at` Nullable(DateTime64(6, 'UTC'))"));
  EXPECT_THAT(*ddl, HasSubstr("`profile` Nullable(String)"));
  EXPECT_THAT(*ddl, HasSubstr("    `_version` UInt64,\n    `_deleted` UInt8\n)\n"
                              "ENGINE = ReplacingMergeTree(_version)\nORDER BY (`id`)\n"
                              "SETTINGS non_replicated_deduplication_window = 1000"));
}

TEST(ClickHouseTableDdlTest, ClickHouse18KeepsDatesAsTextAndHasNoDedupWindow) {
  const ClickHouseDialect old = ClickHouseDialectOf("18.16.1");
  EXPECT_FALSE(old.datetime64);
  EXPECT_FALSE(old.date32);
  EXPECT_FALSE(old.dedup_window);
  EXPECT_EQ(old.max_decimal_precision, 38);
  const ClickHouseDialect current = ClickHouseDialectOf("24.8.4.13");
  EXPECT_TRUE(current.datetime64 && current.date32 && current.dedup_window);
  EXPECT_EQ(current.max_decimal_precision, 76);
  Result<CapturedRecordText> record =
      ParseCapturedRecord(FirstLine("debezium/postgres/capschema.public.customers.jsonl"));
  ASSERT_TRUE(record.ok());
  Result<std::string> ddl = ClickHouseCreateTable(*record, "`customers`", kSameNames, old);
  ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
  // 18.16's Date and DateTime turn 1815-12-10 into 0000-00-00: the text is kept instead.
  EXPECT_THAT(*ddl, HasSubstr("`updated_at` Nullable(String)"));
  EXPECT_THAT(*ddl, HasSubstr("`born` Nullable(String)"));
  EXPECT_THAT(*ddl, Not(HasSubstr("SETTINGS")));
}

TEST(ClickHouseTableDdlTest, TheTypeMatrix) {
  Result<CapturedRecordText> record =
      ParseCapturedRecord(FirstLine("postgres/type_matrix.capschema.jsonl"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  Result<std::string> ddl = ClickHouseCreateTable(*record, "`t`", kSameNames, ClickHouseDialect{});
  ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
  for (const char* want : {"`id` Int32,",
                           "`c_bool` Nullable(UInt8)",
                           "`c_int2` Nullable(Int16)",
                           "`c_int8` Nullable(Int64)",
                           "`c_float4` Nullable(Float32)",
                           "`c_float8` Nullable(Float64)",
                           "`c_numeric` Nullable(Float64)",
                           "`c_numeric_p` Nullable(Decimal(12, 3))",
                           "`c_money` Nullable(Decimal(76, 2))",
                           "`c_bytea` Nullable(String)",
                           "`c_uuid` Nullable(UUID)",
                           "`c_jsonb` Nullable(String)",
                           "`c_date` Nullable(Date32)",
                           "`c_time` Nullable(String)",
                           "`c_ts` Nullable(DateTime64(6, 'UTC'))",
                           "`c_ts3` Nullable(DateTime64(3, 'UTC'))",
                           "`c_tstz` Nullable(DateTime64(6, 'UTC'))",
                           "`c_interval` Nullable(Int64)",
                           "`c_enum` Nullable(String)",
                           "`c_point` Nullable(String)",
                           "`a_int4` Nullable(String)"}) {
    EXPECT_THAT(*ddl, HasSubstr(want));
  }
}

TEST(ClickHouseTableDdlTest, TheProjectionNamesTheColumns) {
  Result<CapturedRecordText> record =
      ParseCapturedRecord(FirstLine("debezium/postgres/capschema.public.customers.jsonl"));
  ASSERT_TRUE(record.ok());
  const ColumnNamer namer = [](std::string_view column) -> std::optional<std::string> {
    if (column == "notes") return std::nullopt;
    if (column == "email") return std::string("contact");
    return std::string(column);
  };
  Result<std::string> ddl = ClickHouseCreateTable(*record, "`c`", namer, ClickHouseDialect{});
  ASSERT_TRUE(ddl.ok());
  EXPECT_THAT(*ddl, HasSubstr("`contact` Nullable(String)"));
  EXPECT_THAT(*ddl, Not(HasSubstr("notes")));

  const ColumnNamer drops_key = [](std::string_view column) -> std::optional<std::string> {
    if (column == "id") return std::nullopt;
    return std::string(column);
  };
  EXPECT_THAT(
      ClickHouseCreateTable(*record, "`c`", drops_key, ClickHouseDialect{}).status().message(),
      HasSubstr("key column 'id' is dropped"));
  const ColumnNamer reserved = [](std::string_view column) -> std::optional<std::string> {
    if (column == "notes") return std::string("_deleted");
    return std::string(column);
  };
  EXPECT_THAT(
      ClickHouseCreateTable(*record, "`c`", reserved, ClickHouseDialect{}).status().message(),
      HasSubstr("a column the sink writes itself"));
}

TEST(ClickHouseTableDdlTest, RecordsWithoutSchemaOrKeyAreRefused) {
  Result<CapturedRecordText> bare =
      ParseCapturedRecord(FirstLine("debezium/postgres/capnoschema.public.customers.jsonl"));
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_THAT(
      ClickHouseCreateTable(*bare, "`c`", kSameNames, ClickHouseDialect{}).status().message(),
      HasSubstr("schema"));
  Result<CapturedRecordText> keyless = ParseCapturedRecord(
      R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}]},"payload":{"id":1}})");
  ASSERT_TRUE(keyless.ok()) << keyless.status().ToString();
  EXPECT_THAT(
      ClickHouseCreateTable(*keyless, "`c`", kSameNames, ClickHouseDialect{}).status().message(),
      HasSubstr("no key"));
  EXPECT_FALSE(ParseCapturedRecord("[1, 2]").ok());
  EXPECT_FALSE(ParseCapturedRecord("not json").ok());
}

}  // namespace
}  // namespace fanout
