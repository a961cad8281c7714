#include "processor/core/json_writer.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace fanout {

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendJsonValue(std::string& out, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += value.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
      out += std::to_string(value.as_int());
      return;
    case Value::Kind::kDouble: {
      if (!std::isfinite(value.as_double())) {  // JSON has no NaN/Infinity
        out += "null";
        return;
      }
      char buffer[32];
      int n = std::snprintf(buffer, sizeof(buffer), "%.17g", value.as_double());
      out.append(buffer, static_cast<std::size_t>(n));
      return;
    }
    case Value::Kind::kString:
      AppendJsonString(out, value.text());
      return;
    case Value::Kind::kJson:
      // Raw line breaks can only be whitespace between tokens (a JSON string cannot hold one):
      // folded to spaces, so that JSON-lines outputs (dumps, logs, NDJSON) stay one line each.
      for (char c : value.text()) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
      return;
    case Value::Kind::kUnchanged:
      out += "{\"$unchanged\":true}";
      return;
    case Value::Kind::kDecimal:  // a string: a JSON number would be read back as a double
      AppendJsonString(out, value.text());
      return;
    case Value::Kind::kBytes:  // base64, as Kafka Connect's JsonConverter writes bytes
      out.push_back('"');
      AppendBase64(out, value.text());
      out.push_back('"');
      return;
  }
}

void AppendJsonRow(std::string& out, const Row& row) {
  out.push_back('{');
  bool first = true;
  for (const Column& column : row) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, column.name);
    out.push_back(':');
    AppendJsonValue(out, column.value);
  }
  out.push_back('}');
}

namespace {
void AppendOptionalRow(std::string& out, const std::optional<Row>& row) {
  if (row) {
    AppendJsonRow(out, *row);
  } else {
    out += "null";
  }
}
}  // namespace

void AppendChangeEventJson(std::string& out, const ChangeEvent& event) {
  out += "{\"kind\":";
  AppendJsonString(out, RecordKindName(event.kind));
  if (event.kind == RecordKind::kChange) {
    out += ",\"op\":";
    AppendJsonString(out, OpName(event.op));
  }
  out += ",\"table\":";
  AppendJsonString(out, event.QualifiedTable());
  out += ",\"key\":";
  AppendJsonRow(out, event.key);
  out += ",\"before\":";
  AppendOptionalRow(out, event.before);
  out += ",\"after\":";
  AppendOptionalRow(out, event.after);
  out += ",\"position\":";
  AppendJsonString(out, event.position.ToString());
  out += ",\"source_ts_ms\":";
  out += std::to_string(event.source_ts_ms);
  out += ",\"snapshot\":";
  out += event.snapshot ? "true" : "false";
  out += ",\"topic\":";
  AppendJsonString(out, event.origin.topic);
  out += ",\"partition\":";
  out += std::to_string(event.origin.partition);
  out += ",\"offset\":";
  out += std::to_string(event.origin.offset);
  out.push_back('}');
}

}  // namespace fanout
