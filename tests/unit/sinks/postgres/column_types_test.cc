// How the PostgreSQL sink writes what Debezium sends into columns whose input differs from it:
// JSON arrays as array input, hstore JSON, Bits, MicroDuration, Point (column_text.h ToColumnText),
// and the statements carrying them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "sinks/postgres/column_text.h"
#include "sinks/postgres/statements.h"
#include "sinks/postgres/values.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

std::string Array(std::string_view json, PostgresElementForm element = PostgresElementForm::kText) {
  Result<std::string> out = JsonArrayToPgArray(json, element);
  return out.ok() ? *out : "error: " + std::string(out.status().message());
}

TEST(PostgresColumnTypesTest, TextArraysQuoteEveryElement) {
  // The measured failure: ["t1","t5"] reached the server as is (SQLSTATE 22P02).
  EXPECT_EQ(Array(R"(["t1","t5"])"), R"({"t1","t5"})");
  EXPECT_EQ(Array("[]"), "{}");
  EXPECT_EQ(Array(R"([""])"), R"({""})");
  // NULL the SQL null, "NULL" the text: only a quoted element is a string.
  EXPECT_EQ(Array(R"([null,"NULL","null"])"), R"({NULL,"NULL","null"})");
  // Quotes and backslashes escaped; commas, braces, spaces and newlines kept inside quotes.
  EXPECT_EQ(Array(R"(["quote \"","back\\slash","comma,","{brace}"," lead","nl\n"])"),
            "{\"quote \\\"\",\"back\\\\slash\",\"comma,\",\"{brace}\",\" lead\",\"nl\n\"}");
  // JSON escapes become the characters, UTF-16 surrogate pairs one UTF-8 sequence.
  EXPECT_EQ(Array(R"(["\u00fc\/\t","\ud83d\ude80"])"), "{\"\xc3\xbc/\t\",\"\xf0\x9f\x9a\x80\"}");
}

TEST(PostgresColumnTypesTest, NumbersAndBooleansKeepTheirDigits) {
  // Never through a double: a bigint above 2^53 and a decimal's trailing zeros stay.
  EXPECT_EQ(Array("[9007199254740993,-9223372036854775808]"),
            R"({"9007199254740993","-9223372036854775808"})");
  EXPECT_EQ(Array(R"(["1.10","-0.000001",null])"), R"({"1.10","-0.000001",NULL})");
  EXPECT_EQ(Array(R"(["NaN","Infinity",5e-324,1e+300])"),
            R"({"NaN","Infinity","5e-324","1e+300"})");
  EXPECT_EQ(Array("[true,false,null]"), R"({"true","false",NULL})");
}

TEST(PostgresColumnTypesTest, NestedArraysAreDimensions) {
  EXPECT_EQ(Array("[[1,2],[3,4]]"), R"({{"1","2"},{"3","4"}})");
  EXPECT_EQ(Array(R"([["a",null],["\"",""]])"), R"({{"a",NULL},{"\"",""}})");
}

TEST(PostgresColumnTypesTest, JsonElementsAreTheirText) {
  // Debezium's Json items are JSON text strings; the SQL null and the JSON null differ.
  EXPECT_EQ(Array(R"(["{\"k\": \"v\"}","\"s\"",null,"null","[1,2]"])", PostgresElementForm::kJson),
            R"({"{\"k\": \"v\"}","\"s\"",NULL,"null","[1,2]"})");
  // A JSON value in place of its text (another producer) is taken whole, arrays included.
  EXPECT_EQ(Array(R"([{"a":[1,{"b":"}"}]},[1,2]])", PostgresElementForm::kJson),
            R"({"{\"a\":[1,{\"b\":\"}\"}]}","[1,2]"})");
}

TEST(PostgresColumnTypesTest, ByteaElementsBecomeHex) {
  EXPECT_EQ(Array(R"(["AP8=","",null])", PostgresElementForm::kBytea), R"({"\\x00ff","\\x",NULL})");
  EXPECT_THAT(Array(R"(["not base64!"])", PostgresElementForm::kBytea), HasSubstr("error"));
}

TEST(PostgresColumnTypesTest, Hstore) {
  Result<std::string> out = JsonObjectToHstore(R"({"a":"1","b":null,"c d":"e\"f\\"})");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, R"("a"=>"1", "b"=>NULL, "c d"=>"e\"f\\")");
  EXPECT_EQ(JsonObjectToHstore("{}").value(), "");
  EXPECT_FALSE(JsonObjectToHstore(R"({"a":[1]})").ok());
  // hstore[]: each item Debezium's JSON text of one hstore.
  EXPECT_EQ(Array(R"(["{\"a\":\"1\"}","{\"\":\"\"}",null])", PostgresElementForm::kHstore),
            R"({"\"a\"=>\"1\"","\"\"=>\"\"",NULL})");
}

TEST(PostgresColumnTypesTest, MalformedOrUnstorableJsonIsAnError) {
  EXPECT_THAT(Array(R"(["a")"), HasSubstr("error"));
  EXPECT_THAT(Array(R"({"a":1})"), HasSubstr("error"));
  EXPECT_THAT(Array(R"(["a"] x)"), HasSubstr("error"));
  EXPECT_THAT(Array(R"(["\ud83d"])"), HasSubstr("surrogate"));
  // libpq would cut the parameter at a NUL: never store a silently shortened value.
  EXPECT_THAT(Array(R"(["a\u0000b"])"), HasSubstr("NUL"));
  EXPECT_THAT(Array(std::string(100, '[') + std::string(100, ']')), HasSubstr("deeply"));
}

TEST(PostgresColumnTypesTest, ColumnTypesFromTheCatalog) {
  EXPECT_EQ(ColumnTypeOf("_text", "text", -1).form, PostgresColumnForm::kArray);
  EXPECT_EQ(ColumnTypeOf("_jsonb", "jsonb", -1).element, PostgresElementForm::kJson);
  EXPECT_EQ(ColumnTypeOf("_bytea", "bytea", -1).element, PostgresElementForm::kBytea);
  EXPECT_EQ(ColumnTypeOf("_hstore", "hstore", -1).element, PostgresElementForm::kHstore);
  EXPECT_EQ(ColumnTypeOf("bit", "", 12).bits, 12);
  EXPECT_EQ(ColumnTypeOf("varbit", "", 16).form, PostgresColumnForm::kVarbit);
  EXPECT_EQ(ColumnTypeOf("interval", "", -1).form, PostgresColumnForm::kInterval);
  EXPECT_EQ(ColumnTypeOf("hstore", "", -1).form, PostgresColumnForm::kHstore);
  EXPECT_EQ(ColumnTypeOf("point", "", -1).form, PostgresColumnForm::kPoint);
  EXPECT_EQ(ColumnTypeOf("numeric", "", 655366).form, PostgresColumnForm::kAsIs);
}

std::string ColumnText(std::string text, Value::Kind kind, PostgresColumnType type) {
  Result<std::string> out = ToColumnText(std::move(text), kind, type);
  return out.ok() ? *out : "error: " + std::string(out.status().message());
}

TEST(PostgresColumnTypesTest, BitStringsFromDebeziumBits) {
  const PostgresColumnType bit12 = ColumnTypeOf("bit", "", 12);
  // Debezium's Bits are little-endian: B'101100111000' is 0x38 0x0b.
  EXPECT_EQ(ColumnText("\\x380b", Value::Kind::kBytes, bit12), "101100111000");
  EXPECT_EQ(ColumnText("\\x", Value::Kind::kBytes, bit12), "000000000000");
  EXPECT_THAT(ColumnText("\\x00f0", Value::Kind::kBytes, bit12), HasSubstr("longer"));
  // bit(1) arrives as a boolean.
  EXPECT_EQ(ColumnText("true", Value::Kind::kBool, ColumnTypeOf("bit", "", 1)), "1");
  EXPECT_EQ(ColumnText("false", Value::Kind::kBool, ColumnTypeOf("bit", "", 1)), "0");
  // varbit: the leading zeros are not carried; the value starts at its highest 1.
  const PostgresColumnType varbit = ColumnTypeOf("varbit", "", 16);
  EXPECT_EQ(ColumnText("\\x0b", Value::Kind::kBytes, varbit), "1011");
  EXPECT_EQ(ColumnText("\\x", Value::Kind::kBytes, varbit), "");
  // Text a source sent as text goes as it is.
  EXPECT_EQ(ColumnText("0101", Value::Kind::kString, varbit), "0101");
}

TEST(PostgresColumnTypesTest, IntervalPointAndTheRest) {
  EXPECT_EQ(ColumnText("93784500000", Value::Kind::kInt, ColumnTypeOf("interval", "", -1)),
            "93784500000 microseconds");
  // interval.handling.mode=string: ISO 8601, which PostgreSQL reads.
  EXPECT_EQ(ColumnText("P1DT2H", Value::Kind::kString, ColumnTypeOf("interval", "", -1)), "P1DT2H");
  EXPECT_EQ(ColumnText(R"({"x":1.5,"y":-2.0,"wkb":"AQEAAAAAAAAAAAD4PwAAAAAAAADA","srid":null})",
                       Value::Kind::kJson, ColumnTypeOf("point", "", -1)),
            "(1.5,-2.0)");
  EXPECT_THAT(ColumnText(R"({"wkb":"AQ=="})", Value::Kind::kJson, ColumnTypeOf("point", "", -1)),
              HasSubstr("error"));
  EXPECT_EQ(ColumnText(R"({"a":"1"})", Value::Kind::kJson, ColumnTypeOf("hstore", "", -1)),
            R"("a"=>"1")");
  // An array sent as array text (not JSON) goes as it is.
  EXPECT_EQ(ColumnText("{a,b}", Value::Kind::kString, ColumnTypeOf("_text", "text", -1)), "{a,b}");
}

TEST(PostgresColumnTypesTest, StatementsCarryTheConvertedValues) {
  TableInfo table;
  table.exists = true;
  table.types = {
      {"id", "pg_catalog.int4"}, {"tags", "pg_catalog._text"}, {"flags", "pg_catalog.\"bit\""}};
  table.unrunnable = {"tags"};
  table.forms = {{"tags", ColumnTypeOf("_text", "text", -1)},
                 {"flags", ColumnTypeOf("bit", "", 4)}};
  PostgresAction a;
  a.kind = PostgresActionKind::kUpsert;
  a.table = R"("public"."t")";
  a.key = {{"id", "1", Value::Kind::kInt}};
  a.columns = {{"id", "1", Value::Kind::kInt},
               {"tags", R"(["t1","t5"])", Value::Kind::kJson},
               {"flags", "\\x05", Value::Kind::kBytes}};
  Result<PostgresStatement> single = SingleStatement(a, table);
  ASSERT_TRUE(single.ok()) << single.status().message();
  ASSERT_EQ(single->params.size(), 3u);
  EXPECT_THAT(single->params[1], Optional(std::string(R"({"t1","t5"})")));
  EXPECT_THAT(single->params[2], Optional(std::string("0101")));

  // In a run (array parameters), the converted value is one element.
  a.columns.erase(a.columns.begin() + 1);
  const PostgresAction* run[] = {&a};
  Result<PostgresStatement> many = RunStatement(run, table);
  ASSERT_TRUE(many.ok()) << many.status().message();
  EXPECT_THAT(many->params[1], Optional(std::string(R"({"0101"})")));

  // A value that cannot be converted makes the action a bad record, naming the column.
  a.columns[1].text = "\\xff";
  Result<PostgresStatement> bad = SingleStatement(a, table);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("column 'flags'"));
}

}  // namespace
}  // namespace fanout
