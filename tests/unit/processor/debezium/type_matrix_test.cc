// The decoder on real Debezium 3.2.7 records of the PostgreSQL type matrix
// (tests/data/postgres/type_matrix.sql), JsonConverter with schemas, captured from the stack with
// kcat -J into tests/data/postgres/type_matrix.capschema.jsonl: the snapshot rows 1, 3 and 5 of
// a database where the `snapshot` and `changes` sections had run (so row 1 is after its update),
// then updates of rows 10 and 12 that left their TOASTed columns unchanged.
//
// What is checked is what every output gets: the Kafka, Redis, OpenSearch and HTTP sinks write
// a row with AppendJsonRow, the PostgreSQL sink from the same Values. An array column is kJson
// of its items decoded like columns of the item's type -- timestamps in arrays as ISO text, not
// epoch microseconds; decimals as exact strings, not Debezium's {scale, value} -- and Debezium's
// mangled infinities are restored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "processor/core/json_writer.h"
#include "processor/debezium/decoder.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using testing::CapturedRecord;
using ::testing::HasSubstr;
using testing::ReadCapturedRecords;

class TypeMatrixDecodingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    records_ = ReadCapturedRecords(
        std::string(FANOUT_TEST_DATA_DIR) + "/postgres/type_matrix.capschema.jsonl", &error);
    ASSERT_EQ(error, "");
    ASSERT_EQ(records_.size(), 5u);
    for (const CapturedRecord& record : records_) {
      ChangeEvent& event = events_.emplace_back();
      Status status = decoder_.Decode(record.View(), &event);
      ASSERT_TRUE(status.ok()) << record.offset << ": " << status.ToString();
      ASSERT_TRUE(event.after.has_value());
    }
  }

  // The column of the after image of the row with `id`, from the record with `op`.
  const Value& Column(Op op, int id, const std::string& name) {
    for (const ChangeEvent& event : events_) {
      if (event.op == op && *FindColumn(*event.after, "id") == Value::Int(id)) {
        const Value* value = FindColumn(*event.after, name);
        if (value != nullptr) return *value;
        ADD_FAILURE() << "no column " << name;
        return missing_;
      }
    }
    ADD_FAILURE() << "no row " << id;
    return missing_;
  }

  DebeziumDecoder decoder_;
  std::vector<CapturedRecord> records_;
  std::vector<ChangeEvent> events_;
  Value missing_;
};

TEST_F(TypeMatrixDecodingTest, ArrayItemsAreDecodedByTheirLogicalType) {
  EXPECT_EQ(Column(Op::kRead, 1, "a_varchar"), Value::Json(R"(["a","b"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_int8"), Value::Json("[9007199254740993,-1]"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_bool"), Value::Json("[true,false]"));
  // io.debezium.time.* items.
  EXPECT_EQ(Column(Op::kRead, 1, "a_date"), Value::Json(R"(["2024-02-29","1970-01-01"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_time"), Value::Json(R"(["13:14:15.500000","00:00:00"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_ts"),
            Value::Json(R"(["2024-01-02T03:04:05.678901Z","1969-12-31T23:59:59Z"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_tstz"), Value::Json(R"(["2024-01-02T03:04:05.678901Z"])"));
  // VariableScaleDecimal and Decimal items: exact strings, each with the scale Debezium sent.
  EXPECT_EQ(Column(Op::kRead, 1, "a_numeric"), Value::Json(R"(["1.1","-2","3"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_numeric_p"), Value::Json(R"(["1.10","2.00"])"));
  // bytes items stay base64; Json items (json[], jsonb[], hstore[]) stay the JSON text strings.
  EXPECT_EQ(Column(Op::kRead, 1, "a_bytea"), Value::Json(R"(["AP8=",""])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_json"), Value::Json(R"(["{\"a\":1}","[1,2]"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_hstore"), Value::Json(R"(["{\"a\":\"1\"}","{\"b\":null}"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_uuid"),
            Value::Json(R"(["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"])"));
  EXPECT_EQ(Column(Op::kRead, 1, "a_timetz"), Value::Json(R"(["08:11:12Z"])"));
}

TEST_F(TypeMatrixDecodingTest, NullItemsStayNullAndTheTextNullStaysText) {
  EXPECT_EQ(Column(Op::kRead, 3, "a_text"), Value::Json(R"([null,"NULL",null,"x"])"));
  EXPECT_EQ(Column(Op::kRead, 3, "a_jsonb"), Value::Json(R"([null,"null"])"));
  EXPECT_EQ(Column(Op::kRead, 3, "a_numeric"), Value::Json(R"([null,"1.5"])"));
  EXPECT_EQ(Column(Op::kRead, 3, "a_date"), Value::Json(R"([null,"2024-01-01"])"));
  EXPECT_EQ(Column(Op::kRead, 3, "a_tstz"), Value::Json(R"([null,"2024-01-02T03:04:05.000000Z"])"));
  EXPECT_EQ(Column(Op::kUpdate, 12, "a_text"),
            Value::Json(R"(["quote \"","back\\slash","comma,","{brace}","","NULL"," lead",)"
                        R"("trail ","nl\n"])"));
}

TEST_F(TypeMatrixDecodingTest, InfinitiesDebeziumManglesAreRestored) {
  // Snapshot: date -infinity as Debezium's overflowed day count; timestamp(3) in milliseconds.
  EXPECT_EQ(Column(Op::kRead, 5, "c_date"), Value::String("-infinity"));
  EXPECT_EQ(Column(Op::kRead, 5, "c_ts"), Value::String("-infinity"));
  EXPECT_EQ(Column(Op::kRead, 5, "c_ts3"), Value::String("infinity"));
  EXPECT_EQ(Column(Op::kRead, 5, "c_tstz"), Value::String("infinity"));
  // Streamed: the date's other overflow; in arrays, timestamptz -infinity as year 292269055.
  EXPECT_EQ(Column(Op::kUpdate, 12, "c_date"), Value::String("infinity"));
  EXPECT_EQ(Column(Op::kUpdate, 12, "c_ts3"), Value::String("-infinity"));
  EXPECT_EQ(Column(Op::kUpdate, 12, "a_date"), Value::Json(R"(["infinity","-infinity"])"));
  EXPECT_EQ(Column(Op::kUpdate, 12, "a_ts"), Value::Json(R"(["infinity","-infinity"])"));
  EXPECT_EQ(Column(Op::kUpdate, 12, "a_tstz"), Value::Json(R"(["infinity","-infinity"])"));
}

TEST_F(TypeMatrixDecodingTest, ScalarsTheSinksConvert) {
  // numeric NaN and Infinity: Debezium sends null (precise mode has no such decimals); an
  // unconstrained numeric loses its trailing zeros (12345.67890).
  EXPECT_EQ(Column(Op::kRead, 1, "c_numeric"), Value::Decimal("12345.6789"));
  EXPECT_EQ(Column(Op::kRead, 1, "c_numeric_p"), Value::Decimal("1234.500"));
  EXPECT_TRUE(Column(Op::kRead, 5, "c_numeric").is_null());
  EXPECT_TRUE(Column(Op::kRead, 5, "a_numeric").is_null());
  EXPECT_EQ(Column(Op::kRead, 1, "c_money"), Value::Decimal("12.34"));
  EXPECT_EQ(Column(Op::kRead, 1, "c_interval"), Value::Int(93784500000));  // MicroDuration
  EXPECT_EQ(Column(Op::kRead, 1, "c_bit"), Value::Bytes("\x38\x0b"));      // little-endian Bits
  EXPECT_EQ(Column(Op::kRead, 1, "c_bit1"), Value::Bool(true));
  EXPECT_EQ(Column(Op::kRead, 1, "c_hstore"), Value::Json(R"({"a":"1","b":null,"c d":"e\"f"})"));
  EXPECT_EQ(Column(Op::kRead, 1, "c_point").kind(), Value::Kind::kJson);
  EXPECT_THAT(std::string(Column(Op::kRead, 1, "c_point").text()),
              HasSubstr(R"("x":1.5,"y":-2.0)"));
  EXPECT_EQ(Column(Op::kRead, 1, "c_timetz"), Value::String("08:11:12.5Z"));
}

TEST_F(TypeMatrixDecodingTest, UnchangedToastedColumnsOfEveryShape) {
  EXPECT_EQ(Column(Op::kUpdate, 10, "big_text").kind(), Value::Kind::kUnchanged);
  EXPECT_EQ(Column(Op::kUpdate, 10, "big_array").kind(), Value::Kind::kUnchanged);
  EXPECT_EQ(Column(Op::kUpdate, 10, "big_jsonb").kind(), Value::Kind::kUnchanged);
  EXPECT_EQ(Column(Op::kUpdate, 10, "a_text"), Value::Json(R"(["u1","u 2"])"));
  EXPECT_EQ(Column(Op::kUpdate, 12, "big_array"), Value::Json(R"(["short"])"));
}

TEST_F(TypeMatrixDecodingTest, JsonOutputsCarryArraysAndExactValues) {
  // What a Kafka, Redis, OpenSearch or HTTP route writes for the row.
  std::string row;
  AppendJsonRow(row, *events_[2].after);
  EXPECT_THAT(row, HasSubstr(R"("a_varchar":["a","b"])"));
  EXPECT_THAT(row, HasSubstr(R"("a_int8":[9007199254740993,-1])"));
  EXPECT_THAT(row, HasSubstr(R"("a_ts":["2024-01-02T03:04:05.678901Z","1969-12-31T23:59:59Z"])"));
  EXPECT_THAT(row, HasSubstr(R"("a_numeric":["1.1","-2","3"])"));
  EXPECT_THAT(row, HasSubstr(R"("a_date":["2024-02-29","1970-01-01"])"));
  EXPECT_THAT(row, HasSubstr(R"("c_money":"12.34")"));
  EXPECT_THAT(row, HasSubstr(R"("c_ts":"2024-01-02T03:04:05.678901Z")"));
}

}  // namespace
}  // namespace fanout
