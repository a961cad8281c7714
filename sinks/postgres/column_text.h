// How the PostgreSQL sink turns Debezium's encoding of a value into the input of the target
// column's type, where the two differ: JSON arrays into array input, JSON objects into hstore,
// Bits into bit strings, MicroDuration into intervals, Point structs into points. The form of
// each column comes from the catalog (TableInfoSql). Pure: no I/O.
#ifndef FANOUT_SINKS_POSTGRES_COLUMN_TEXT_H_
#define FANOUT_SINKS_POSTGRES_COLUMN_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "processor/core/status.h"
#include "processor/core/value.h"

namespace fanout {

// How a value is written into a column of a given type, beyond its text form: the types whose
// PostgreSQL input Debezium's encoding does not match. Read from the catalog per column
// (TableInfoSql: base type of a domain, element type of an array, modifier).
enum class PostgresColumnForm : std::uint8_t {
  kAsIs,      // the text as RenderValue made it
  kArray,     // a JSON array (kJson) → array input {..}, elements by PostgresElementForm
  kBit,       // bit(n): Debezium's Bits bytes (little-endian) → n binary digits; bool → 1/0
  kVarbit,    // varbit: the same, without leading zeros (Debezium does not carry them)
  kInterval,  // an int (Debezium's MicroDuration) → "<n> microseconds"
  kHstore,    // a JSON object (hstore.handling.mode=json) → "k"=>"v", ...
  kPoint,     // Debezium's Point struct {x, y, wkb, srid} → (x,y)
};
enum class PostgresElementForm : std::uint8_t {
  kText,    // strings as they are; numbers and booleans as written
  kBytea,   // base64 strings → \x hex
  kJson,    // json/jsonb: each item is JSON text (Debezium's Json items) or a JSON value
  kHstore,  // each item a JSON object or JSON text of one → hstore input
};
struct PostgresColumnType {
  PostgresColumnForm form = PostgresColumnForm::kAsIs;
  PostgresElementForm element = PostgresElementForm::kText;  // kArray
  std::int32_t bits = -1;                                    // kBit: the column's length
};

// The form for a column whose (domain-resolved) base type is `type` (pg_type.typname: "_text",
// "bit", "hstore"), `element` the typname of an array's element type ("" when none) and
// `typmod` the modifier (-1 when none).
PostgresColumnType ColumnTypeOf(std::string_view type, std::string_view element,
                                std::int32_t typmod);

// `text` (RenderValue of a value of `kind`) as `type`'s input function takes it. Only what
// Debezium sends differently from that input changes (a kJson for an array, kBytes for a bit
// string, ...); any other text is returned as it is, for the server to accept or reject.
// InvalidArgument (the action is a bad record) for JSON that is malformed or cannot be stored:
// a \u0000 (PostgreSQL text has no NUL), nesting over 64 levels, bits over the length.
Result<std::string> ToColumnText(std::string text, Value::Kind kind,
                                 const PostgresColumnType& type);

// The JSON array `json` as PostgreSQL array input: {a,"b c",NULL,{1,2}}. Every non-null element
// is double-quoted (so the string "NULL" stays a string); a nested JSON array is a nested
// dimension except for json elements, where it is the element.
Result<std::string> JsonArrayToPgArray(std::string_view json, PostgresElementForm element);
// The JSON object `json` (string or null values) as hstore input: "k"=>"v", "n"=>NULL.
Result<std::string> JsonObjectToHstore(std::string_view json);

// `text` as an element of a PostgreSQL array literal, appended to *out: "..." with \ and "
// escaped, or NULL.
void AppendArrayElement(const std::optional<std::string>& text, std::string* out);

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_COLUMN_TEXT_H_
