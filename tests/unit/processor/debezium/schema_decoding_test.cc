// The decoder with JsonConverter schemas (logical types, cached plans), TOAST placeholder shapes,
// key-change headers, message events and the int64 external version, on hand-written records.
#include <gtest/gtest.h>

#include <string>

#include "processor/core/json_writer.h"
#include "processor/debezium/decoder.h"

namespace fanout {
namespace {

constexpr std::string_view kSource =
    R"({"version":"3.2.7.Final","connector":"postgresql","name":"inv","ts_ms":1,)"
    R"("snapshot":"false","db":"shop","sequence":"[\"10\",\"20\"]","schema":"public",)"
    R"("table":"t","txId":7,"lsn":20})";

// One field schema per logical type under test.
constexpr std::string_view kRowFields =
    R"([{"type":"int32","optional":false,"field":"id"},)"
    R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,)"
    R"("parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"price"},)"
    R"({"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal",)"
    R"("fields":[{"type":"int32","optional":false,"field":"scale"},)"
    R"({"type":"bytes","optional":false,"field":"value"}],"field":"amount"},)"
    R"({"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"born"},)"
    R"({"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","field":"cdate"},)"
    R"({"type":"int32","optional":true,"name":"io.debezium.time.Time","field":"t_ms"},)"
    R"({"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","field":"t_us"},)"
    R"({"type":"int64","optional":true,"name":"io.debezium.time.NanoTime","field":"t_ns"},)"
    R"({"type":"int64","optional":true,"name":"io.debezium.time.Timestamp","field":"ts_ms"},)"
    R"({"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","field":"ts_us"},)"
    R"({"type":"int64","optional":true,"name":"io.debezium.time.NanoTimestamp","field":"ts_ns"},)"
    R"({"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","field":"cts"},)"
    R"({"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","field":"zts"},)"
    R"({"type":"string","optional":true,"name":"io.debezium.data.Json","field":"doc"},)"
    R"({"type":"string","optional":true,"name":"io.debezium.data.Uuid","field":"uid"},)"
    R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","field":"mood"},)"
    R"({"type":"bytes","optional":true,"name":"io.debezium.data.Bits","parameters":{"length":"10"},"field":"flags"},)"
    R"({"type":"bytes","optional":true,"field":"blob"},)"
    R"({"type":"int64","optional":true,"name":"io.debezium.time.MicroDuration","field":"dur"},)"
    R"({"type":"int64","optional":true,"field":"big"},)"
    R"({"type":"string","optional":true,"field":"note"},)"
    R"({"type":"array","optional":true,"items":{"type":"string","optional":true},"field":"tags"}])";

std::string Schema(std::string_view fields = kRowFields) {
  return std::string(
             R"({"type":"struct","optional":false,"name":"inv.public.t.Envelope","fields":[)") +
         R"({"type":"struct","optional":true,"name":"inv.public.t.Value","field":"before","fields":)" +
         std::string(fields) +
         R"(},{"type":"struct","optional":true,"name":"inv.public.t.Value","field":"after","fields":)" +
         std::string(fields) +
         R"(},{"type":"struct","optional":false,"name":"io.debezium.connector.postgresql.Source",)"
         R"("field":"source","fields":[]},{"type":"string","optional":false,"field":"op"}]})";
}

std::string Wrapped(std::string_view schema, std::string_view after, std::string_view op = "c") {
  return std::string(R"({"schema":)") + std::string(schema) +
         R"(,"payload":{"before":null,"after":)" + std::string(after) + R"(,"source":)" +
         std::string(kSource) + R"(,"op":")" + std::string(op) +
         R"(","ts_ms":2,"transaction":null}})";
}

constexpr std::string_view kKey =
    R"({"schema":{"type":"struct","optional":false,"name":"inv.public.t.Key","fields":)"
    R"([{"type":"int32","optional":false,"field":"id"}]},"payload":{"id":1}})";

class SchemaDecodingTest : public ::testing::Test {
 protected:
  Status Decode(std::string_view value, std::optional<std::string_view> key = kKey,
                std::vector<RecordHeaderView> headers = {}) {
    KafkaRecordView record;
    record.topic = "inv.public.t";
    record.partition = 0;
    record.offset = 5;
    record.key = key;
    record.value = value;
    record.headers = std::move(headers);
    return decoder_.Decode(record, &event_);
  }
  const Value& After(std::string_view column) {
    static const Value kMissing = Value::String("<missing>");
    if (!event_.after) return kMissing;
    const Value* value = FindColumn(*event_.after, column);
    return value ? *value : kMissing;
  }
  DebeziumDecoder decoder_;
  ChangeEvent event_;
};

TEST_F(SchemaDecodingTest, EveryLogicalTypeDecodesToItsNaturalValue) {
  const std::string after =
      R"({"id":1,"price":"Msc=","amount":{"scale":3,"value":"/w=="},"born":-11013,"cdate":0,)"
      R"("t_ms":37230123,"t_us":37230123456,"t_ns":37230000000001,"ts_ms":1772360130123,)"
      R"("ts_us":1772360130123456,"ts_ns":1772360130000000001,"cts":-1,)"
      R"("zts":"2026-03-01T10:15:30.5+02:00","doc":"{\"a\": [1, 2.5, {\"b\": null}]}",)"
      R"("uid":"b68a35a7-17ad-35b3-af2a-ae46edb4545b","mood":"happy","flags":"BQI=",)"
      R"("blob":"AAEC/w==","dur":3600000000,"big":9223372036854775807,"note":"hi",)"
      R"("tags":["x","y"]})";
  Status status = Decode(Wrapped(Schema(), after));
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(After("id"), Value::Int(1));
  EXPECT_EQ(After("price"), Value::Decimal("129.99"));
  EXPECT_EQ(After("amount"), Value::Decimal("-0.001"));
  EXPECT_EQ(After("born"), Value::String("1939-11-07"));
  EXPECT_EQ(After("cdate"), Value::String("1970-01-01"));
  EXPECT_EQ(After("t_ms"), Value::String("10:20:30.123"));
  EXPECT_EQ(After("t_us"), Value::String("10:20:30.123456"));
  EXPECT_EQ(After("t_ns"), Value::String("10:20:30.000000001"));
  EXPECT_EQ(After("ts_ms"), Value::String("2026-03-01T10:15:30.123Z"));
  EXPECT_EQ(After("ts_us"), Value::String("2026-03-01T10:15:30.123456Z"));
  EXPECT_EQ(After("ts_ns"), Value::String("2026-03-01T10:15:30.000000001Z"));
  EXPECT_EQ(After("cts"), Value::String("1969-12-31T23:59:59.999Z"));
  EXPECT_EQ(After("zts"), Value::String("2026-03-01T10:15:30.5+02:00"));
  EXPECT_EQ(After("doc"), Value::Json(R"({"a": [1, 2.5, {"b": null}]})"))
      << "as the source wrote it";
  EXPECT_EQ(After("uid"), Value::String("b68a35a7-17ad-35b3-af2a-ae46edb4545b"));
  EXPECT_EQ(After("mood"), Value::String("happy"));
  EXPECT_EQ(After("flags"), Value::Bytes(std::string("\x05\x02", 2)));
  EXPECT_EQ(After("blob"), Value::Bytes(std::string("\x00\x01\x02\xff", 4)));
  EXPECT_EQ(After("dur"), Value::Int(3600000000));
  EXPECT_EQ(After("big"), Value::Int(9223372036854775807));
  EXPECT_EQ(After("note"), Value::String("hi"));
  EXPECT_EQ(After("tags"), Value::Json(R"(["x","y"])"));
  ASSERT_EQ(event_.key.size(), 1u);
  EXPECT_EQ(event_.key[0].value, Value::Int(1));

  // How the new kinds are written as JSON: decimals as strings, bytes as base64.
  std::string json;
  AppendJsonValue(json, After("price"));
  AppendJsonValue(json, After("blob"));
  EXPECT_EQ(json, R"("129.99""AAEC/w==")");
}

TEST_F(SchemaDecodingTest, WithoutSchemaValuesStayAsEncoded) {
  std::string value = R"({"before":null,"after":{"id":1,"price":"Msc=","born":-11013},"source":)" +
                      std::string(kSource) + R"(,"op":"c"})";
  ASSERT_TRUE(Decode(value, R"({"id":1})").ok());
  EXPECT_EQ(After("price"), Value::String("Msc="));
  EXPECT_EQ(After("born"), Value::Int(-11013));
}

TEST_F(SchemaDecodingTest, DecimalAsJsonNumber) {  // decimal.format=NUMERIC
  ASSERT_TRUE(Decode(Wrapped(Schema(), R"({"id":1,"price":1234.5})")).ok());
  EXPECT_EQ(After("price"), Value::Decimal("1234.50"));
  ASSERT_TRUE(Decode(Wrapped(Schema(), R"({"id":1,"price":-20})")).ok());
  EXPECT_EQ(After("price"), Value::Decimal("-20.00"));
}

TEST_F(SchemaDecodingTest, JsonWithNumbersBeyondDoubleIsKeptExactly) {
  // Valid in PostgreSQL's json/jsonb; a parser into doubles and 64-bit integers refuses them.
  const std::string doc = R"({\"big\":123456789012345678901234567890,\"tiny\":1e-400})";
  ASSERT_TRUE(Decode(Wrapped(Schema(), R"({"id":1,"doc":")" + doc + R"("})")).ok());
  EXPECT_EQ(After("doc").text(), R"({"big":123456789012345678901234567890,"tiny":1e-400})");
  EXPECT_FALSE(
      Decode(Wrapped(Schema(), R"({"id":1,"doc":"{\"big\":1234567890123456789012345,}"})")).ok());
}

TEST_F(SchemaDecodingTest, PlanIsBuiltOncePerSchema) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Decode(Wrapped(Schema(), R"({"id":1,"price":"Msc="})")).ok());
  }
  EXPECT_EQ(decoder_.schema_plans_built(), 2u);  // the key's and the value's
  // A changed schema (a column added) gets a plan of its own, and the new column is typed.
  std::string fields(kRowFields);
  fields.insert(fields.size() - 1,
                R"(,{"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"d2"})");
  ASSERT_TRUE(Decode(Wrapped(Schema(fields), R"({"id":1,"d2":1})")).ok());
  EXPECT_EQ(After("d2"), Value::String("1970-01-02"));
  EXPECT_EQ(decoder_.schema_plans_built(), 3u);
  // ... and the old one is still cached.
  ASSERT_TRUE(Decode(Wrapped(Schema(), R"({"id":1,"price":"Msc="})")).ok());
  EXPECT_EQ(decoder_.schema_plans_built(), 3u);
}

TEST(SchemaPlanCacheTest, BoundedCacheEvictsTheLeastRecentlyUsed) {
  DebeziumDecoder decoder(DebeziumDecoder::Options{.max_cached_schemas = 2});
  ChangeEvent event;
  auto decode = [&](std::string_view fields) {
    std::string value = Wrapped(Schema(fields), R"({"id":1})");
    KafkaRecordView record;
    record.topic = "t";
    record.value = value;
    Status status = decoder.Decode(record, &event);
    EXPECT_TRUE(status.ok()) << status.ToString();
  };
  const std::string a = R"([{"type":"int32","optional":false,"field":"id"}])";
  const std::string b = R"([{"type":"int64","optional":false,"field":"id"}])";
  const std::string c = R"([{"type":"int16","optional":false,"field":"id"}])";
  decode(a);
  decode(b);
  decode(a);
  EXPECT_EQ(decoder.schema_plans_built(), 2u);
  decode(c);  // evicts b
  decode(a);
  EXPECT_EQ(decoder.schema_plans_built(), 3u);
  decode(b);
  EXPECT_EQ(decoder.schema_plans_built(), 4u);
}

TEST_F(SchemaDecodingTest, BadLogicalValuesAreInvalidArgument) {
  struct Case {
    std::string after;
    std::string message_part;
  };
  const Case cases[] = {
      {R"({"id":1,"price":"M$c="})",
       "column 'price' (org.apache.kafka.connect.data.Decimal): bad base64"},
      {R"({"id":1,"price":true})", "neither a base64 string nor a number"},
      {R"({"id":1,"amount":{"scale":"x","value":"AQ=="}})", "column 'amount'"},
      {R"({"id":1,"born":"1970-01-01"})", "column 'born' (io.debezium.time.Date): not an integer"},
      {R"({"id":1,"born":4294967296})", "not an int32"},
      {R"({"id":1,"t_us":-3020400000000})", "outside -838:59:59.999999..838:59:59.999999"},
      {R"({"id":1,"doc":"{not json"})", "column 'doc' (io.debezium.data.Json): not valid JSON"},
      {R"({"id":1,"blob":"***"})", "column 'blob' (bytes): bad base64"},
      {R"({"id":1,"uid":5})", "column 'uid' (io.debezium.data.Uuid): not a string"},
  };
  for (const Case& c : cases) {
    Status status = Decode(Wrapped(Schema(), c.after));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.after;
    EXPECT_NE(status.message().find(c.message_part), std::string_view::npos)
        << c.after << " -> " << status.message();
  }
}

TEST_F(SchemaDecodingTest, BadSchemasAreInvalidArgument) {
  const std::string no_scale =
      R"([{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","field":"price"}])";
  Status status = Decode(Wrapped(Schema(no_scale), R"({"price":"AQ=="})"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("no parameters.scale"), std::string_view::npos)
      << status.message();
  status = Decode(Wrapped(R"({"type":"struct","fields":[{"type":"int32"}]})", R"({"id":1})"));
  EXPECT_NE(status.message().find("no string 'field'"), std::string_view::npos) << status.message();
  status = Decode(Wrapped(R"({"type":"struct","fields":[}})", R"({"id":1})"));
  EXPECT_NE(status.message().find("schema: not valid JSON"), std::string_view::npos)
      << status.message();
}

TEST_F(SchemaDecodingTest, ToastPlaceholderInEveryShapeIsUnchanged) {
  const std::string fields =
      R"([{"type":"int32","field":"id"},{"type":"string","field":"text"},)"
      R"({"type":"bytes","field":"bin"},)"
      R"({"type":"string","name":"io.debezium.data.Json","field":"doc"},)"
      R"({"type":"array","items":{"type":"string"},"field":"texts"},)"
      R"({"type":"array","items":{"type":"bytes"},"field":"bins"},)"
      R"({"type":"array","items":{"type":"int32"},"field":"ints"},)"
      R"({"type":"array","items":{"type":"int64"},"field":"longs"},)"
      R"({"type":"array","items":{"type":"string","name":"io.debezium.data.Uuid"},"field":"uuids"},)"
      R"({"type":"map","keys":{"type":"string"},"values":{"type":"string"},"field":"hstore"},)"
      R"({"type":"string","name":"io.debezium.data.Json","field":"hstore_json"}])";
  const std::string bytes =
      "[95,95,100,101,98,101,122,105,117,109,95,117,110,97,118,97,105,108,97,98,108,101,95,118,"
      "97,108,117,101]";
  const std::string after =
      R"({"id":1,"text":"__debezium_unavailable_value",)"
      R"("bin":"X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==","doc":"__debezium_unavailable_value",)"
      R"("texts":["__debezium_unavailable_value"],"bins":["X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=="],)"
      R"("ints":)" +
      bytes + R"(,"longs":)" + bytes +
      R"(,"uuids":["b68a35a7-17ad-35b3-af2a-ae46edb4545a"],)"
      R"("hstore":{"__debezium_unavailable_value":"__debezium_unavailable_value"},)"
      R"("hstore_json":"{\"__debezium_unavailable_value\":\"__debezium_unavailable_value\"}"})";
  for (bool with_schema : {true, false}) {
    std::string value = with_schema ? Wrapped(Schema(fields), after, "u")
                                    : R"({"before":null,"after":)" + after + R"(,"source":)" +
                                          std::string(kSource) + R"(,"op":"u"})";
    Status status = Decode(value);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(event_.after->size(), 11u);
    for (const Column& column : *event_.after) {
      if (column.name == "id") continue;
      EXPECT_EQ(column.value.kind(), Value::Kind::kUnchanged)
          << column.name << (with_schema ? " with schema" : " without schema");
    }
  }
  // Near misses stay values.
  ASSERT_TRUE(
      Decode(Wrapped(Schema(fields), R"({"id":1,"texts":["__debezium_unavailable_value","x"],)"
                                     R"("ints":[95,95]})"))
          .ok());
  EXPECT_EQ(After("texts").kind(), Value::Kind::kJson);
  EXPECT_EQ(After("ints").kind(), Value::Kind::kJson);
}

TEST_F(SchemaDecodingTest, PrimaryKeyChangeHeadersAreExposed) {
  std::string value =
      R"({"before":{"id":2},"after":null,"source":)" + std::string(kSource) + R"(,"op":"d"})";
  ASSERT_TRUE(Decode(value, R"({"id":2})", {{"__debezium.newkey", R"({"id":102})"}}).ok());
  ASSERT_TRUE(event_.new_key.has_value());
  EXPECT_EQ(FindColumn(*event_.new_key, "id")->as_int(), 102);
  EXPECT_FALSE(event_.old_key.has_value());

  value = R"({"before":null,"after":{"id":102},"source":)" + std::string(kSource) + R"(,"op":"c"})";
  ASSERT_TRUE(Decode(value, R"({"id":102})",
                     {{"__debezium.context.taskId", "0"},
                      {"__debezium.oldkey", R"({"schema":{"type":"struct"},"payload":{"id":2}})"}})
                  .ok());
  ASSERT_TRUE(event_.old_key.has_value());
  EXPECT_EQ(FindColumn(*event_.old_key, "id")->as_int(), 2);
  EXPECT_FALSE(event_.new_key.has_value());

  // A plain insert, decoded into the same event, has neither.
  ASSERT_TRUE(Decode(value, R"({"id":102})").ok());
  EXPECT_FALSE(event_.old_key || event_.new_key);

  Status status = Decode(value, R"({"id":102})", {{"__debezium.oldkey", "Struct{id=2}"}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("header __debezium.oldkey is not valid JSON"),
            std::string_view::npos)
      << status.message();
}

TEST_F(SchemaDecodingTest, PostgresMessageEvent) {
  std::string source =
      R"({"version":"3.2.7.Final","connector":"postgresql","name":"inv","ts_ms":1,)"
      R"("snapshot":"false","db":"shop","sequence":"[null,\"30\"]","schema":"","table":"",)"
      R"("txId":null,"lsn":30})";
  std::string value = R"({"op":"m","ts_ms":2,"source":)" + source +
                      R"(,"message":{"prefix":"audit","content":"aGVsbG8="}})";
  Status status = Decode(value, R"({"prefix":"audit"})");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(event_.op, Op::kMessage);
  ASSERT_TRUE(event_.message.has_value());
  EXPECT_EQ(*FindColumn(*event_.message, "prefix"), Value::String("audit"));
  EXPECT_EQ(*FindColumn(*event_.message, "content"), Value::Bytes("hello"));
  EXPECT_EQ(event_.position.ToString(), "pg:0:30");

  status = Decode(R"({"op":"m","ts_ms":2,"source":)" + source + R"(,"message":"x"})");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST_F(SchemaDecodingTest, WrapperWithPayloadFirstIsStillUnwrapped) {
  std::string value = R"({"payload":{"before":null,"after":{"id":1,"born":1},"source":)" +
                      std::string(kSource) + R"(,"op":"c"},"schema":)" + Schema() + "}";
  ASSERT_TRUE(Decode(value).ok());
  EXPECT_EQ(After("born"), Value::String("1970-01-02"));
}

TEST(ExternalVersionTest, PerPositionKind) {
  using Kind = SourcePosition::Kind;
  EXPECT_EQ(ToExternalVersion({Kind::kPostgres, 10, 24023312, 0}).value(), 24023312);
  EXPECT_EQ(ToExternalVersion({Kind::kBinlog, 3, 1542, 7}).value(), (std::int64_t{3} << 32) | 1542);
  EXPECT_EQ(ToExternalVersion({Kind::kKafka, 2, 99, 0}).value(), 99);
  EXPECT_FALSE(ToExternalVersion({Kind::kNone, 0, 0, 0}).ok());
  EXPECT_FALSE(ToExternalVersion({Kind::kPostgres, 0, std::uint64_t{1} << 63, 0}).ok());
  EXPECT_FALSE(ToExternalVersion({Kind::kBinlog, std::uint64_t{1} << 31, 0, 0}).ok());
  EXPECT_FALSE(ToExternalVersion({Kind::kBinlog, 1, std::uint64_t{1} << 32, 0}).ok());
  EXPECT_EQ(ToExternalVersion({Kind::kBinlog, (std::uint64_t{1} << 31) - 1, 0xFFFFFFFF, 0}).value(),
            INT64_MAX);
  Status status = ToExternalVersion({Kind::kPostgres, 0, std::uint64_t{1} << 63, 0}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("does not fit"), std::string_view::npos);
}

}  // namespace
}  // namespace fanout
