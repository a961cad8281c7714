// The decoder on real Debezium output from MariaDB 10.11 (Debezium's MySQL connector 2.6.2 with
// its MariaDB adapter), captured from the stack by `stack/capture.sh --source mariadb` (see
// tests/data/debezium/mariadb/MANIFEST.md and stack/capture/mariadb/*.sql). Every record is
// captured twice: with JsonConverter schemas (capmariaschema.*) and without (capmarianoschema.*).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "processor/debezium/decoder.h"
#include "tests/support/event_text.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using testing::CapturedRecord;
using ::testing::MatchesRegex;
using testing::OpSequence;
using testing::ReadCapturedRecords;
using testing::RowJson;

std::string DataFile(const std::string& prefix, const std::string& table) {
  return std::string(FANOUT_TEST_DATA_DIR) + "/debezium/mariadb/" + prefix + ".capture." + table +
         ".jsonl";
}

std::vector<ChangeEvent> DecodeAll(const std::string& prefix, const std::string& table) {
  std::string error;
  std::vector<CapturedRecord> records = ReadCapturedRecords(DataFile(prefix, table), &error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(records.empty()) << table;
  DebeziumDecoder decoder;
  std::vector<ChangeEvent> events;
  for (const CapturedRecord& record : records) {
    ChangeEvent& event = events.emplace_back();
    Status status = decoder.Decode(record.View(), &event);
    EXPECT_TRUE(status.ok()) << prefix << "." << table << "@" << record.offset << ": "
                             << status.ToString();
  }
  return events;
}

class CapturedMariadbTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CapturedMariadbTest, EveryRecordDecodesWithItsOpsInOrder) {
  EXPECT_EQ(OpSequence(DecodeAll(GetParam(), "customers")), "rrrcuudTdTcc");
  EXPECT_EQ(OpSequence(DecodeAll(GetParam(), "types")), "rrudT");
  EXPECT_EQ(OpSequence(DecodeAll(GetParam(), "tiny")), "rcccuuuuuc");
}

TEST_P(CapturedMariadbTest, SourceBlockOfSnapshotAndStreamedChanges) {
  std::vector<ChangeEvent> events = DecodeAll(GetParam(), "tiny");
  ASSERT_EQ(events.size(), 10u);
  for (const ChangeEvent& e : events) {
    EXPECT_EQ(e.connector, "mysql");
    EXPECT_EQ(e.QualifiedTable(), "capture.tiny");
    EXPECT_EQ(e.position.kind, SourcePosition::Kind::kBinlog);
    EXPECT_THAT(e.binlog.file, MatchesRegex("binlog\\.[0-9]{6}"));
    EXPECT_GT(e.source_ts_ms, 0);
    // MariaDB's GTID event stands where MySQL's BEGIN (which names the thread) would.
    EXPECT_EQ(e.binlog.thread, -1);
  }
  const ChangeEvent& snapshot = events[0];
  EXPECT_TRUE(snapshot.snapshot);
  EXPECT_EQ(snapshot.binlog.gtid, "");
  EXPECT_EQ(snapshot.binlog.query, "");
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_FALSE(events[i].snapshot) << i;
    EXPECT_THAT(events[i].binlog.gtid, MatchesRegex("0-1-[0-9]+")) << i;
    EXPECT_EQ(events[i].binlog.server_id, 1) << i;
  }
  // One statement, three rows: one binlog event, rows 0..2, the statement from the annotation.
  for (std::size_t i = 4; i <= 6; ++i) {
    EXPECT_EQ(events[i].binlog.query,
              "update tiny set note = concat(note, '!') where id in (2, 3, 4)");
    EXPECT_EQ(events[i].binlog.gtid, events[4].binlog.gtid);
    EXPECT_EQ(events[i].position.minor, events[4].position.minor);
    EXPECT_EQ(events[i].position.sub, i - 4);
  }
}

// The version guards of every sink order changes by (binlog file number, pos, row): it must grow
// from change to change, across a binlog rotation (FLUSH BINARY LOGS) and a server restart (which
// opens a new file), where `pos` starts again small.
TEST_P(CapturedMariadbTest, PositionsGrowAcrossRotationAndRestart) {
  std::vector<ChangeEvent> events = DecodeAll(GetParam(), "tiny");
  ASSERT_EQ(events.size(), 10u);
  for (std::size_t i = 2; i < events.size(); ++i) {
    EXPECT_LT(events[i - 1].position, events[i].position) << i;
    Result<std::int64_t> previous = ToExternalVersion(events[i - 1].position);
    Result<std::int64_t> current = ToExternalVersion(events[i].position);
    ASSERT_TRUE(previous.ok() && current.ok()) << i;
    EXPECT_LE(*previous, *current) << i;  // the rows of one event share it (external_gte)
  }
  const ChangeEvent& after_rotation = events[7];
  const ChangeEvent& after_restart = events[8];
  EXPECT_EQ(RowJson(after_rotation.after), R"({"id":1,"note":"after rotation"})");
  EXPECT_EQ(RowJson(after_restart.after), R"({"id":1,"note":"after restart"})");
  EXPECT_EQ(after_rotation.position.major, events[6].position.major + 1);
  EXPECT_LT(after_rotation.position.minor, events[6].position.minor);
  EXPECT_EQ(after_restart.position.major, after_rotation.position.major + 1);
  EXPECT_LT(after_restart.position.minor, after_rotation.position.minor + 1000);
}

TEST_P(CapturedMariadbTest, KeyChangeIsDeleteTombstoneCreateAtOnePosition) {
  std::vector<ChangeEvent> events = DecodeAll(GetParam(), "customers");
  ASSERT_EQ(OpSequence(events), "rrrcuudTdTcc");
  EXPECT_EQ(RowJson(events[8].key), R"({"id":4})");
  EXPECT_EQ(events[8].op, Op::kDelete);
  EXPECT_EQ(RowJson(events[10].key), R"({"id":40})");
  EXPECT_EQ(events[10].op, Op::kCreate);
  EXPECT_EQ(events[8].position, events[10].position);
  ASSERT_TRUE(events[8].new_key.has_value());
  EXPECT_EQ(RowJson(events[8].new_key), R"({"id":40})");
  ASSERT_TRUE(events[10].old_key.has_value());
  EXPECT_EQ(RowJson(events[10].old_key), R"({"id":4})");
  // MySQL always logs full before images here (binlog_row_image=FULL).
  EXPECT_EQ(*FindColumn(*events[6].before, "email"), Value::String("cy@example.com"));
}

INSTANTIATE_TEST_SUITE_P(Mariadb, CapturedMariadbTest,
                         ::testing::Values("capmariaschema", "capmarianoschema"),
                         [](const auto& param_info) { return param_info.param; });

// With schemas, every MySQL type decodes to the value stack/capture/mariadb/setup.sql and
// scenario.sql wrote (as Debezium's defaults deliver it).
TEST(CapturedMariadbTypesTest, EveryTypeDecodesToTheSourceValue) {
  std::vector<ChangeEvent> events = DecodeAll("capmariaschema", "types");
  ASSERT_EQ(OpSequence(events), "rrudT");
  const ChangeEvent& full = events[1];
  auto column = [&](const char* name) {
    const Value* value = FindColumn(*full.after, name);
    EXPECT_NE(value, nullptr) << name;
    return value != nullptr ? *value : Value::Null();
  };
  // BIGINT UNSIGNED in Debezium's default bigint.unsigned.handling.mode=long wraps above 2^63-1.
  EXPECT_EQ(column("id"), Value::Int(-1));
  EXPECT_EQ(column("c_bigint_unsigned"), Value::Int(-1));
  EXPECT_EQ(column("c_tinyint"), Value::Int(-128));
  EXPECT_EQ(column("c_tinyint1"), Value::Int(1));
  EXPECT_EQ(column("c_smallint"), Value::Int(-32768));
  EXPECT_EQ(column("c_mediumint"), Value::Int(-8388608));
  EXPECT_EQ(column("c_int"), Value::Int(-2147483648LL));
  EXPECT_EQ(column("c_int_unsigned"), Value::Int(4294967295LL));
  EXPECT_EQ(column("c_bigint"), Value::Int(INT64_MIN));
  EXPECT_EQ(column("c_float"), Value::Double(1.5));
  EXPECT_EQ(column("c_double"), Value::Double(2.718281828459045));
  EXPECT_EQ(column("c_decimal"), Value::Decimal("1234567.891"));
  EXPECT_EQ(column("c_decimal_wide"),
            Value::Decimal("12345678901234567890123456789012345.123456789012345678901234567890"));
  EXPECT_EQ(column("c_bit1"), Value::Bool(true));
  EXPECT_EQ(column("c_bit12"), Value::Bytes(std::string("\xaa\x0a", 2)));  // little-endian
  EXPECT_EQ(column("c_bit64"), Value::Bytes(std::string(8, '\xff')));
  EXPECT_EQ(column("c_bool"), Value::Int(1));
  EXPECT_EQ(column("c_date"), Value::String("2024-02-29"));
  EXPECT_EQ(column("c_time"), Value::String("-838:59:59"));
  EXPECT_EQ(column("c_time3"), Value::String("12:34:56.789000"));
  EXPECT_EQ(column("c_time6"), Value::String("23:59:59.999999"));
  EXPECT_EQ(column("c_datetime"), Value::String("1000-01-01T00:00:00Z"));
  EXPECT_EQ(column("c_datetime3"), Value::String("2024-02-29T12:34:56.789Z"));
  EXPECT_EQ(column("c_datetime6"), Value::String("9999-12-31T23:59:59.999999Z"));
  EXPECT_EQ(column("c_timestamp"), Value::String("1970-01-01T00:00:01Z"));
  EXPECT_EQ(column("c_timestamp3"), Value::String("2038-01-19T03:14:07.999Z"));
  EXPECT_EQ(column("c_timestamp6"), Value::String("2024-02-29T12:34:56.123456Z"));
  EXPECT_EQ(column("c_year"), Value::Int(2155));
  EXPECT_EQ(column("c_char"), Value::String("ab"));
  EXPECT_EQ(column("c_varchar"), Value::String("h\u00e9llo w\u00f6rld"));
  EXPECT_EQ(column("c_text"), Value::String(std::string(100, 't')));
  EXPECT_EQ(column("c_binary"), Value::Bytes(std::string("\x00\xff\x10\x00", 4)));
  EXPECT_EQ(column("c_varbinary"), Value::Bytes("\xde\xad\xbe\xef"));
  EXPECT_EQ(column("c_blob"), Value::Bytes(std::string("\x00\x01\x02\x03", 4)));
  EXPECT_EQ(column("c_longblob"), Value::Bytes(""));
  EXPECT_EQ(column("c_enum"), Value::String("medium"));
  EXPECT_EQ(column("c_set"), Value::String("red,blue"));
  // MariaDB's JSON is LONGTEXT: Debezium sends it as a plain string, as written.
  EXPECT_EQ(column("c_json"),
            Value::String(R"({"a": [1, 2.5, "x", null, true], "b": {"c": 18446744073709551615}})"));
  // Spatial types: Debezium's {wkb, srid} struct (Point adds x and y), kept as a JSON object.
  EXPECT_EQ(column("c_point").kind(), Value::Kind::kJson);
  EXPECT_EQ(column("c_geometry").kind(), Value::Kind::kJson);

  // The streamed update: a duration over 24 h (TIME(0) drops the .5 of '100:00:00.5'), a blob,
  // YEAR's low end, an empty SET.
  const ChangeEvent& update = events[2];
  EXPECT_EQ(*FindColumn(*update.after, "c_time"), Value::String("100:00:00"));
  EXPECT_EQ(*FindColumn(*update.after, "c_blob"), Value::Bytes("\x0a\x0b\x0c"));
  EXPECT_EQ(*FindColumn(*update.after, "c_longblob"), Value::Bytes(std::string("\xff\x00", 2)));
  EXPECT_EQ(*FindColumn(*update.after, "c_year"), Value::Int(1901));
  EXPECT_EQ(*FindColumn(*update.after, "c_set"), Value::String(""));
  EXPECT_EQ(*FindColumn(*update.after, "c_enum"), Value::String("large"));
  EXPECT_EQ(*FindColumn(*update.after, "c_datetime6"),
            Value::String("2024-02-29T12:34:56.000001Z"));
}

}  // namespace
}  // namespace fanout
