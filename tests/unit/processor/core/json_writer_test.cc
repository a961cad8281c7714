#include "processor/core/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace fanout {
namespace {

std::string Json(const Value& value) {
  std::string out;
  AppendJsonValue(out, value);
  return out;
}

TEST(JsonWriterTest, EscapesStrings) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriterTest, WritesEveryValueKind) {
  EXPECT_EQ(Json(Value::Null()), "null");
  EXPECT_EQ(Json(Value::Bool(true)), "true");
  EXPECT_EQ(Json(Value::Int(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(Json(Value::Double(0.5)), "0.5");
  EXPECT_EQ(Json(Value::Double(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(Json(Value::String("x")), "\"x\"");
  EXPECT_EQ(Json(Value::Json("{\"a\":[1]}")), "{\"a\":[1]}");
  // A json column's own line breaks are folded: outputs such as JSON lines stay one line.
  EXPECT_EQ(Json(Value::Json("{\n  \"a\": [1],\r\n  \"b\": \"x y\"\n}")),
            "{   \"a\": [1],    \"b\": \"x y\" }");
  EXPECT_EQ(Json(Value::Unchanged()), "{\"$unchanged\":true}");
}

TEST(JsonWriterTest, WritesAChangeEventAsOneLine) {
  ChangeEvent event;
  event.op = Op::kUpdate;
  event.schema = "public";
  event.table = "customers";
  event.key = {{"id", Value::Int(7)}};
  event.after = Row{{"id", Value::Int(7)}, {"email", Value::String("a@b.c")}};
  event.position = {SourcePosition::Kind::kPostgres, 10, 20, 0};
  event.origin = {"inv.public.customers", 0, 42};
  std::string out;
  AppendChangeEventJson(out, event);
  EXPECT_EQ(out,
            R"({"kind":"change","op":"u","table":"public.customers","key":{"id":7},"before":null,)"
            R"("after":{"id":7,"email":"a@b.c"},"position":"pg:10:20","source_ts_ms":0,)"
            R"("snapshot":false,"topic":"inv.public.customers","partition":0,"offset":42})");
}

}  // namespace
}  // namespace fanout
