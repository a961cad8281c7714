#include "sinks/clickhouse/table_ddl.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

#include "sinks/clickhouse/action_builder.h"  // kVersionColumn, kDeletedColumn
#include "sinks/clickhouse/settings.h"        // QuoteClickHouseIdentifier

namespace fanout {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;
using simdjson::dom::object;

std::string_view StringOr(element e, std::string_view key, std::string_view fallback = {}) {
  std::string_view out;
  if (e[key].get(out) != SUCCESS) return fallback;
  return out;
}

int IntParameter(element field, std::string_view name, int fallback) {
  std::string_view text = StringOr(field["parameters"], name);
  int value = fallback;
  if (text.empty()) return fallback;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return fallback;
  return value;
}

// The ClickHouse type of one Connect field schema, without Nullable.
std::string BaseType(element field, const ClickHouseDialect& dialect) {
  const std::string_view name = StringOr(field, "name");
  const std::string_view type = StringOr(field, "type");
  if (name == "org.apache.kafka.connect.data.Decimal") {
    const int scale = IntParameter(field, "scale", 0);
    int precision = IntParameter(field, "connect.decimal.precision", dialect.max_decimal_precision);
    precision = std::clamp(precision, std::max(scale, 1), dialect.max_decimal_precision);
    return "Decimal(" + std::to_string(precision) + ", " +
           std::to_string(std::min(scale, precision)) + ")";
  }
  if (name == "io.debezium.data.VariableScaleDecimal") return "Float64";
  // Without Date32 and DateTime64, dates and times stay text: the older Date and DateTime
  // (1970..2105) turn a date outside their range, or `infinity`, into 0000-00-00 without an
  // error (seen on 18.16), which would lose the value silently.
  if (name == "io.debezium.time.Date" || name == "org.apache.kafka.connect.data.Date") {
    return dialect.date32 ? "Date32" : "String";
  }
  const auto timestamp = [&](int digits) {
    return dialect.datetime64 ? "DateTime64(" + std::to_string(digits) + ", 'UTC')"
                              : std::string("String");
  };
  if (name == "io.debezium.time.Timestamp" || name == "org.apache.kafka.connect.data.Timestamp") {
    return timestamp(3);
  }
  if (name == "io.debezium.time.MicroTimestamp" || name == "io.debezium.time.ZonedTimestamp") {
    return timestamp(6);
  }
  if (name == "io.debezium.time.NanoTimestamp") return timestamp(9);
  if (name == "io.debezium.time.MicroDuration") return "Int64";
  if (name == "io.debezium.data.Uuid") return "UUID";
  // Times of day, Json, Xml, Enum, EnumSet, Bits, ...: the decoder's text.
  if (!name.empty() && type != "array" && type != "struct" && type != "map") return "String";
  if (type == "int8") return "Int8";
  if (type == "int16") return "Int16";
  if (type == "int32") return "Int32";
  if (type == "int64") return "Int64";
  if (type == "float" || type == "float32") return "Float32";
  if (type == "double" || type == "float64") return "Float64";
  if (type == "boolean") return "UInt8";
  return "String";  // string, bytes (base64), arrays and structs (JSON text)
}

Result<element> ParseInto(simdjson::dom::parser& parser, const std::string& text,
                          std::string_view what) {
  element root;
  if (parser.parse(text).get(root) != SUCCESS) {
    return InvalidArgument("the record's " + std::string(what) + " is not JSON");
  }
  return root;
}

// The `after` (else `before`) struct of a JsonConverter envelope's schema, or the schema itself
// for a flattened record.
Result<simdjson::dom::array> RowFields(element value) {
  element schema;
  if (value["schema"].get(schema) != SUCCESS || schema.is_null()) {
    return InvalidArgument(
        "the record carries no schema (JsonConverter schemas.enable=false): the columns' types "
        "cannot be known");
  }
  simdjson::dom::array fields;
  if (schema["fields"].get(fields) != SUCCESS) {
    return InvalidArgument("the value's schema is not a struct");
  }
  for (element field : fields) {
    const std::string_view name = StringOr(field, "field");
    simdjson::dom::array inner;
    if ((name == "after" || name == "before") && field["fields"].get(inner) == SUCCESS) {
      return inner;
    }
  }
  return fields;  // flattened (ExtractNewRecordState): the row's fields themselves
}

}  // namespace

ClickHouseDialect ClickHouseDialectOf(std::string_view version) {
  int major = 0;
  int minor = 0;
  const char* end = version.data() + version.size();
  auto [after_major, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc()) return ClickHouseDialect{};
  if (after_major < end && *after_major == '.') {
    (void)std::from_chars(after_major + 1, end, minor);
  }
  ClickHouseDialect dialect;
  // The releases that brought each feature, as ClickHouse's changelog gives them; checked here
  // only at both ends (18.16 lacks them all, the stack's server; current releases have them).
  const int at = major * 100 + minor;
  dialect.datetime64 = at >= 2001;
  dialect.max_decimal_precision = at >= 2008 ? 76 : 38;
  dialect.dedup_window = at >= 2106;
  dialect.date32 = at >= 2109;
  return dialect;
}

Result<CapturedRecordText> ParseCapturedRecord(std::string_view line) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(line.data(), line.size()).get(root) != SUCCESS) {
    return InvalidArgument("the record is not one JSON object");
  }
  CapturedRecordText out;
  std::string_view payload;
  if (root["payload"].get(payload) == SUCCESS) {  // kcat -J: key and value as JSON text
    out.value = std::string(payload);
    std::string_view key;
    if (root["key"].get(key) == SUCCESS) out.key = std::string(key);
    return out;
  }
  if (root["schema"].error() == SUCCESS) {
    out.value = std::string(line);
    return out;
  }
  return InvalidArgument(
      "expected a record as `kcat -C -J` prints it ({\"key\": ..., \"payload\": ...}) or a "
      "JsonConverter value ({\"schema\": ..., \"payload\": ...})");
}

CapturedTable CapturedSourceTable(const CapturedRecordText& record) {
  simdjson::dom::parser parser;
  element root;
  CapturedTable out;
  if (parser.parse(record.value).get(root) != SUCCESS) return out;
  element source;
  if (root["payload"]["source"].get(source) != SUCCESS) return out;
  out.table = std::string(StringOr(source, "table"));
  std::string_view scope = StringOr(source, "schema");
  if (scope.empty()) scope = StringOr(source, "db");
  if (!out.table.empty()) out.qualified = std::string(scope) + "." + out.table;
  return out;
}

Result<std::string> ClickHouseCreateTable(const CapturedRecordText& record,
                                          std::string_view qualified_table,
                                          const ColumnNamer& namer,
                                          const ClickHouseDialect& dialect) {
  if (record.key.empty() || record.key == "null") {
    return InvalidArgument(
        "the record has no key (a table without a primary key?): a ReplacingMergeTree needs "
        "the key columns for its ORDER BY");
  }
  simdjson::dom::parser key_parser;
  FANOUT_ASSIGN_OR_RETURN(element key, ParseInto(key_parser, record.key, "key"));
  simdjson::dom::array key_fields;
  if (key["schema"]["fields"].get(key_fields) != SUCCESS) {
    return InvalidArgument("the record's key carries no struct schema (schemas.enable=false?)");
  }
  std::set<std::string, std::less<>> key_names;
  for (element field : key_fields) key_names.insert(std::string(StringOr(field, "field")));

  simdjson::dom::parser value_parser;
  FANOUT_ASSIGN_OR_RETURN(element value, ParseInto(value_parser, record.value, "value"));
  FANOUT_ASSIGN_OR_RETURN(simdjson::dom::array fields, RowFields(value));

  std::vector<std::string> columns;
  std::vector<std::string> order_by;
  for (element field : fields) {
    const std::string_view source_name = StringOr(field, "field");
    const std::optional<std::string> name = namer(source_name);
    const bool is_key = key_names.count(source_name) > 0;
    if (!name) {
      if (is_key) {
        return InvalidArgument("key column '" + std::string(source_name) +
                               "' is dropped by the route's projection: the table needs it");
      }
      continue;
    }
    if (*name == kVersionColumn || *name == kDeletedColumn) {
      return InvalidArgument("column '" + std::string(source_name) + "' would be called " + *name +
                             ", a column the sink writes itself; rename it");
    }
    bool optional = false;
    if (field["optional"].get(optional) != SUCCESS) optional = false;
    std::string type = BaseType(field, dialect);
    if (optional && !is_key) type = "Nullable(" + type + ")";
    columns.push_back(QuoteClickHouseIdentifier(*name) + " " + type);
    if (is_key) order_by.push_back(QuoteClickHouseIdentifier(*name));
  }
  if (order_by.size() != key_names.size()) {
    return InvalidArgument("the key's columns are not all among the row's columns");
  }
  std::string out = "CREATE TABLE IF NOT EXISTS " + std::string(qualified_table) + "\n(\n";
  for (const std::string& column : columns) out += "    " + column + ",\n";
  out += "    `_version` UInt64,\n    `_deleted` UInt8\n)\nENGINE = ReplacingMergeTree(_version)\n";
  out += "ORDER BY (";
  for (std::size_t i = 0; i < order_by.size(); ++i) out += (i > 0 ? ", " : "") + order_by[i];
  out += ")";
  if (dialect.dedup_window) out += "\nSETTINGS non_replicated_deduplication_window = 1000";
  return out;
}

}  // namespace fanout
