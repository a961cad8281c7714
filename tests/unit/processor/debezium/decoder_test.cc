// Decoder behaviour on hand-written records: shapes, edge cases and hostile input. Real captured
// Debezium output is tested in captured_events_test.cc.
#include "processor/debezium/decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout {
namespace {

KafkaRecordView Record(std::string_view topic, std::optional<std::string_view> key,
                       std::optional<std::string_view> value) {
  KafkaRecordView record;
  record.topic = topic;
  record.partition = 2;
  record.offset = 99;
  record.key = key;
  record.value = value;
  return record;
}

class DecoderTest : public ::testing::Test {
 protected:
  Status Decode(std::optional<std::string_view> key, std::optional<std::string_view> value,
                std::string_view topic = "inv.public.customers") {
    return decoder_.Decode(Record(topic, key, value), &event_);
  }
  DebeziumDecoder decoder_;
  ChangeEvent event_;
};

constexpr std::string_view kPgSource =
    R"({"version":"3.2.7.Final","connector":"postgresql","name":"inv","ts_ms":1772360130123,)"
    R"("snapshot":"false","db":"shop","sequence":"[\"24023119\",\"24023312\"]","schema":"public",)"
    R"("table":"customers","txId":771,"lsn":24023312,"xmin":null})";

std::string Envelope(std::string_view op, std::string_view before, std::string_view after,
                     std::string_view source = kPgSource) {
  return std::string(R"({"before":)") + std::string(before) + R"(,"after":)" + std::string(after) +
         R"(,"source":)" + std::string(source) + R"(,"op":")" + std::string(op) +
         R"(","ts_ms":1772360130200,"transaction":null})";
}

TEST_F(DecoderTest, PostgresUpdateWithoutSchema) {
  std::string value =
      Envelope("u", "null", R"({"id":42,"name":"Ann","bio":"__debezium_unavailable_value"})");
  ASSERT_TRUE(Decode(R"({"id":42})", value).ok());
  EXPECT_EQ(event_.kind, RecordKind::kChange);
  EXPECT_EQ(event_.op, Op::kUpdate);
  EXPECT_EQ(event_.QualifiedTable(), "public.customers");
  EXPECT_EQ(event_.connector, "postgresql");
  ASSERT_EQ(event_.key.size(), 1u);
  EXPECT_EQ(event_.key[0].value, Value::Int(42));
  EXPECT_FALSE(event_.before.has_value());
  ASSERT_TRUE(event_.after.has_value());
  EXPECT_EQ(*FindColumn(*event_.after, "name"), Value::String("Ann"));
  EXPECT_EQ(FindColumn(*event_.after, "bio")->kind(), Value::Kind::kUnchanged);
  EXPECT_EQ(event_.position,
            (SourcePosition{SourcePosition::Kind::kPostgres, 24023119, 24023312, 0}));
  EXPECT_EQ(event_.position.ToString(), "pg:24023119:24023312");
  EXPECT_EQ(event_.source_ts_ms, 1772360130123);
  EXPECT_FALSE(event_.snapshot);
  EXPECT_EQ(event_.origin.topic, "inv.public.customers");
  EXPECT_EQ(event_.origin.partition, 2);
  EXPECT_EQ(event_.origin.offset, 99);
}

TEST_F(DecoderTest, EnvelopeWithSchemaIsUnwrapped) {
  std::string value =
      R"({"schema":{"type":"struct","name":"inv.public.customers.Envelope"},"payload":)" +
      Envelope("c", "null", R"({"id":1})") + "}";
  std::string key = R"({"schema":{"type":"struct"},"payload":{"id":1}})";
  ASSERT_TRUE(Decode(key, value).ok());
  EXPECT_EQ(event_.op, Op::kCreate);
  EXPECT_EQ(event_.key[0].value, Value::Int(1));
}

TEST_F(DecoderTest, TombstoneIsRecognisedAndIsNotADelete) {
  ASSERT_TRUE(Decode(R"({"id":42})", std::nullopt).ok());
  EXPECT_EQ(event_.kind, RecordKind::kTombstone);
  EXPECT_EQ(event_.key[0].value, Value::Int(42));
  EXPECT_FALSE(event_.before || event_.after);
}

TEST_F(DecoderTest, DeleteCarriesBefore) {
  ASSERT_TRUE(Decode(R"({"id":42})", Envelope("d", R"({"id":42,"name":""})", "null")).ok());
  EXPECT_EQ(event_.op, Op::kDelete);
  ASSERT_TRUE(event_.before.has_value());
  EXPECT_FALSE(event_.after.has_value());
}

TEST_F(DecoderTest, SnapshotReadAndNullCommitLsn) {
  std::string source =
      R"({"connector":"postgresql","db":"shop","schema":"public","table":"t",)"
      R"("ts_ms":1,"snapshot":"first","sequence":"[null,\"24020000\"]","lsn":24020000})";
  ASSERT_TRUE(Decode(R"({"id":7})", Envelope("r", "null", R"({"id":7})", source)).ok());
  EXPECT_EQ(event_.op, Op::kRead);
  EXPECT_TRUE(event_.snapshot);
  EXPECT_EQ(event_.position, (SourcePosition{SourcePosition::Kind::kPostgres, 0, 24020000, 0}));
}

TEST_F(DecoderTest, MissingSnapshotMeansStreaming) {
  std::string source = R"({"connector":"postgresql","schema":"public","table":"t","lsn":5})";
  ASSERT_TRUE(Decode(R"({"id":7})", Envelope("c", "null", R"({"id":7})", source)).ok());
  EXPECT_FALSE(event_.snapshot);
  EXPECT_EQ(event_.position, (SourcePosition{SourcePosition::Kind::kPostgres, 0, 5, 0}));
}

TEST_F(DecoderTest, MySqlBinlogPosition) {
  std::string source = R"({"connector":"mysql","db":"inventory","table":"orders","ts_ms":1,)"
                       R"("file":"mysql-bin.000003","pos":1542,"row":2,"snapshot":"false"})";
  ASSERT_TRUE(Decode(R"({"id":1005})", Envelope("c", "null", R"({"id":1005})", source)).ok());
  EXPECT_EQ(event_.QualifiedTable(), "inventory.orders");
  EXPECT_EQ(event_.position, (SourcePosition{SourcePosition::Kind::kBinlog, 3, 1542, 2}));
  EXPECT_EQ(event_.position.ToString(), "binlog:3:1542:2");
}

TEST_F(DecoderTest, UnknownConnectorFallsBackToKafkaPosition) {
  std::string source = R"({"connector":"sqlserver","db":"d","table":"t"})";
  ASSERT_TRUE(Decode(R"({"id":1})", Envelope("c", "null", R"({"id":1})", source)).ok());
  EXPECT_EQ(event_.position, (SourcePosition{SourcePosition::Kind::kKafka, 2, 99, 0}));
}

TEST_F(DecoderTest, Int64ValuesStayExact) {
  std::string value =
      Envelope("c", "null", R"({"id":9007199254740993,"big":18446744073709551615})");
  ASSERT_TRUE(Decode(R"({"id":9007199254740993})", value).ok());
  EXPECT_EQ(*FindColumn(*event_.after, "id"), Value::Int(9007199254740993));
  EXPECT_EQ(*FindColumn(*event_.after, "big"), Value::Decimal("18446744073709551615"));
}

TEST_F(DecoderTest, NestedValuesAreKeptAsJson) {
  ASSERT_TRUE(Decode(R"({"id":1})", Envelope("c", "null", R"({"id":1,"tags":["a", "b"]})")).ok());
  EXPECT_EQ(*FindColumn(*event_.after, "tags"), Value::Json(R"(["a","b"])"));
}

TEST_F(DecoderTest, FlattenedRecordWithRewrittenDelete) {
  ASSERT_TRUE(Decode(R"({"id":42})",
                     R"({"id":42,"name":"Ann","__op":"d","__table":"customers","__lsn":24023312,)"
                     R"("__source_ts_ms":1772360130123,"__deleted":"true"})")
                  .ok());
  EXPECT_EQ(event_.op, Op::kDelete);
  EXPECT_EQ(event_.table, "customers");
  ASSERT_TRUE(event_.before.has_value());
  EXPECT_EQ(event_.before->size(), 2u) << "metadata fields are not row columns";
  EXPECT_EQ(event_.position, (SourcePosition{SourcePosition::Kind::kPostgres, 0, 24023312, 0}));
  EXPECT_EQ(event_.source_ts_ms, 1772360130123);
}

TEST_F(DecoderTest, FlattenedUpdate) {
  ASSERT_TRUE(Decode(R"({"id":42})", R"({"id":42,"__op":"u","__deleted":"false"})").ok());
  EXPECT_EQ(event_.op, Op::kUpdate);
  ASSERT_TRUE(event_.after.has_value());
  EXPECT_EQ(event_.after->size(), 1u);
}

TEST_F(DecoderTest, FlattenedNullPayloadIsADeleteByKey) {
  ASSERT_TRUE(Decode(R"({"id":42})", "null").ok());
  EXPECT_EQ(event_.kind, RecordKind::kChange);
  EXPECT_EQ(event_.op, Op::kDelete);
  EXPECT_EQ(event_.key[0].value, Value::Int(42));
}

TEST_F(DecoderTest, HeartbeatTransactionAndSchemaChangeAreRecognised) {
  ASSERT_TRUE(Decode(R"({"serverName":"inv"})", R"({"ts_ms":1})", "__debezium-heartbeat.inv").ok());
  EXPECT_EQ(event_.kind, RecordKind::kHeartbeat);
  ASSERT_TRUE(
      Decode(
          R"({"id":"771:1"})",
          R"({"status":"BEGIN","id":"771:1","event_count":null,"data_collections":null,"ts_ms":1})",
          "inv.transaction")
          .ok());
  EXPECT_EQ(event_.kind, RecordKind::kTransaction);
  ASSERT_TRUE(
      Decode(
          R"({"databaseName":"inventory"})",
          R"({"source":{},"databaseName":"inventory","ddl":"ALTER TABLE t ADD c int","tableChanges":[]})",
          "inv")
          .ok());
  EXPECT_EQ(event_.kind, RecordKind::kSchemaChange);
}

TEST_F(DecoderTest, TruncateHasNoKey) {
  ASSERT_TRUE(Decode(std::nullopt, Envelope("t", "null", "null")).ok());
  EXPECT_EQ(event_.op, Op::kTruncate);
  EXPECT_TRUE(event_.key.empty());
}

struct BadInput {
  const char* name;
  std::optional<std::string_view> key;
  std::string value;
  const char* expected_message_part;
};

class DecoderBadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(DecoderBadInputTest, IsAnInvalidArgumentThatSaysWhy) {
  DebeziumDecoder decoder;
  ChangeEvent event;
  const BadInput& input = GetParam();
  Status status = decoder.Decode(Record("t", input.key, input.value), &event);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(input.expected_message_part), std::string_view::npos)
      << status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, DecoderBadInputTest,
    ::testing::Values(
        BadInput{"truncated", R"({"id":1})", R"({"before":null,"after":{"id":1)", "not valid JSON"},
        BadInput{"garbage", R"({"id":1})", "\xff\xfe\x00garbage", "not valid JSON"},
        BadInput{"bad_key", "{{", Envelope("c", "null", R"({"id":1})"), "key is not valid JSON"},
        BadInput{"key_not_object", "[1]", Envelope("c", "null", R"({"id":1})"),
                 "key is not a JSON object"},
        BadInput{"array_value", R"({"id":1})", "[1,2]", "not a JSON object"},
        BadInput{"unknown_op", R"({"id":1})", Envelope("x", "null", R"({"id":1})"), "unknown op"},
        BadInput{"after_not_object", R"({"id":1})", Envelope("c", "null", "5"),
                 "'after' is not an object"},
        BadInput{"create_without_after", R"({"id":1})", Envelope("c", "null", "null"),
                 "without 'after'"},
        BadInput{"lsn_not_int", R"({"id":1})",
                 Envelope("c", "null", R"({"id":1})", R"({"connector":"postgresql","lsn":"x"})"),
                 "'lsn' is not an integer"},
        BadInput{"plain_object", R"({"id":1})", R"({"id":1,"name":"x"})",
                 "neither a Debezium envelope"}),
    [](const ::testing::TestParamInfo<BadInput>& param_info) { return param_info.param.name; });

TEST(DecoderLimitsTest, OversizeValueIsRejected) {
  DebeziumDecoder decoder(DebeziumDecoder::Options{.max_record_bytes = 16});
  ChangeEvent event;
  std::string value(17, ' ');
  Status status = decoder.Decode(Record("t", std::nullopt, value), &event);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("over the 16-byte limit"), std::string_view::npos);
}

}  // namespace
}  // namespace fanout
