#include "processor/route/field_ref.h"

#include <string>

namespace fanout {
namespace {

struct Attribute {
  std::string_view name;
  FieldSource source;
};
constexpr Attribute kAttributes[] = {
    {"op", FieldSource::kOp},         {"table", FieldSource::kTable},
    {"schema", FieldSource::kSchema}, {"database", FieldSource::kDatabase},
    {"topic", FieldSource::kTopic},   {"connector", FieldSource::kConnector},
};

const Value* Find(const std::optional<Row>& image, std::string_view column) {
  return image ? FindColumn(*image, column) : nullptr;
}

}  // namespace

Result<FieldRef> ParseFieldRef(std::string_view text) {
  if (text.empty()) return InvalidArgument("empty field name");
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    for (const Attribute& attribute : kAttributes) {
      if (text == attribute.name) return FieldRef{.source = attribute.source};
    }
    return FieldRef{.source = FieldSource::kColumn, .column = std::string(text)};
  }
  const std::string_view prefix = text.substr(0, dot);
  const std::string_view column = text.substr(dot + 1);
  FieldSource source;
  if (prefix == "before") {
    source = FieldSource::kBefore;
  } else if (prefix == "after") {
    source = FieldSource::kAfter;
  } else if (prefix == "key") {
    source = FieldSource::kKey;
  } else {
    return InvalidArgument("unknown prefix '" + std::string(prefix) +
                           ".' (expected before., after. or key.)");
  }
  if (column.empty())
    return InvalidArgument("missing column name after '" + std::string(prefix) + ".'");
  if (column.find('.') != std::string_view::npos) {
    return InvalidArgument("column name '" + std::string(column) + "' contains '.'");
  }
  return FieldRef{.source = source, .column = std::string(column)};
}

std::string_view ResolveAttribute(const ChangeEvent& event, FieldSource source) {
  switch (source) {
    case FieldSource::kOp:
      return OpName(event.op);
    case FieldSource::kTable:
      return event.table;
    case FieldSource::kSchema:
      return event.schema;
    case FieldSource::kDatabase:
      return event.database;
    case FieldSource::kTopic:
      return event.origin.topic;
    case FieldSource::kConnector:
      return event.connector;
    default:
      return "";
  }
}

const Value* ResolveAfter(const ChangeEvent& event, std::string_view column) {
  const Value* value = Find(event.after, column);
  if (value != nullptr && value->kind() == Value::Kind::kUnchanged) {
    const Value* before = Find(event.before, column);
    if (before != nullptr && before->kind() != Value::Kind::kUnchanged) return before;
  }
  return value;
}

const Value* ResolveColumn(const ChangeEvent& event, FieldSource source, std::string_view column) {
  switch (source) {
    case FieldSource::kBefore:
      return Find(event.before, column);
    case FieldSource::kAfter:
      return ResolveAfter(event, column);
    case FieldSource::kKey:
      return FindColumn(event.key, column);
    case FieldSource::kColumn: {
      if (const Value* value = ResolveAfter(event, column)) return value;
      if (const Value* value = Find(event.before, column)) return value;
      return FindColumn(event.key, column);
    }
    default:
      return nullptr;
  }
}

}  // namespace fanout
