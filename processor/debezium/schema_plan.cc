#include "processor/debezium/schema_plan.h"

#include <charconv>
#include <utility>

#include "processor/debezium/logical_types.h"

namespace fanout::debezium {
namespace {

namespace dom = simdjson::dom;

// Bounds the memo: topics come from the subscription, but be safe with any number of them.
constexpr std::size_t kMaxMemoTopics = 4096;

struct LogicalType {
  std::string_view name;
  FieldType type;
  std::int64_t units_per_second;
};

// Switch on the field schema `name` (debezium-format.md §4).
constexpr LogicalType kLogicalTypes[] = {
    {"org.apache.kafka.connect.data.Decimal", FieldType::kDecimal, 0},
    {"io.debezium.data.VariableScaleDecimal", FieldType::kVariableScaleDecimal, 0},
    {"io.debezium.time.Date", FieldType::kDate, 0},
    {"org.apache.kafka.connect.data.Date", FieldType::kDate, 0},
    {"io.debezium.time.Time", FieldType::kTime, 1000},
    {"org.apache.kafka.connect.data.Time", FieldType::kTime, 1000},
    {"io.debezium.time.MicroTime", FieldType::kTime, 1000000},
    {"io.debezium.time.NanoTime", FieldType::kTime, 1000000000},
    {"io.debezium.time.Timestamp", FieldType::kTimestamp, 1000},
    {"org.apache.kafka.connect.data.Timestamp", FieldType::kTimestamp, 1000},
    {"io.debezium.time.MicroTimestamp", FieldType::kTimestamp, 1000000},
    {"io.debezium.time.NanoTimestamp", FieldType::kTimestamp, 1000000000},
    {"io.debezium.data.Json", FieldType::kJson, 0},
    {"io.debezium.data.Bits", FieldType::kBytes, 0},
    {"io.debezium.time.ZonedTimestamp", FieldType::kZonedTimestamp, 0},
    {"io.debezium.time.ZonedTime", FieldType::kText, 0},
    {"io.debezium.time.IsoDate", FieldType::kText, 0},
    {"io.debezium.time.IsoTime", FieldType::kText, 0},
    {"io.debezium.time.IsoTimestamp", FieldType::kText, 0},
    {"io.debezium.time.Interval", FieldType::kText, 0},
    {"io.debezium.data.Uuid", FieldType::kText, 0},
    {"io.debezium.data.Enum", FieldType::kText, 0},
    {"io.debezium.data.EnumSet", FieldType::kText, 0},
    {"io.debezium.data.Xml", FieldType::kText, 0},
    {"io.debezium.data.Ltree", FieldType::kText, 0},
    {"io.debezium.data.Tsvector", FieldType::kText, 0},
};

Status SchemaError(std::string message) { return InvalidArgument("schema: " + std::move(message)); }

Status BuildStruct(dom::object schema, int depth, StructPlan* plan);

Status BuildField(dom::object field_schema, int depth, FieldPlan* field) {
  std::string_view type;
  if (field_schema["type"].get_string().get(type) != simdjson::SUCCESS) {
    return SchemaError("field '" + field->name + "' has no string 'type'");
  }
  std::string_view name;
  if (field_schema["name"].get_string().get(name) == simdjson::SUCCESS) {
    field->logical_name.assign(name);
    for (const LogicalType& logical : kLogicalTypes) {
      if (logical.name == name) {
        field->type = logical.type;
        field->units_per_second = logical.units_per_second;
        break;
      }
    }
  }
  if (field->type == FieldType::kPlain && type == "bytes") field->type = FieldType::kBytes;
  if (field->type == FieldType::kDecimal) {
    std::string_view scale;
    if (field_schema.at_pointer("/parameters/scale").get_string().get(scale) != simdjson::SUCCESS) {
      return SchemaError("Decimal field '" + field->name + "' has no parameters.scale");
    }
    auto [ptr, ec] = std::from_chars(scale.data(), scale.data() + scale.size(), field->scale);
    if (ec != std::errc() || ptr != scale.data() + scale.size() ||
        field->scale > kMaxDecimalScale || field->scale < -kMaxDecimalScale) {
      return SchemaError("Decimal field '" + field->name + "' has a bad scale");
    }
  }
  if (type == "struct") {
    field->nested = std::make_unique<StructPlan>();
    return BuildStruct(field_schema, depth + 1, field->nested.get());
  }
  if (type == "array" && field->type == FieldType::kPlain) {
    dom::object items;
    if (field_schema["items"].get_object().get(items) != simdjson::SUCCESS) return Status();
    if (depth > 64) return SchemaError("arrays nested too deeply");
    auto element = std::make_unique<FieldPlan>();
    element->name = field->name;
    FANOUT_RETURN_IF_ERROR(BuildField(items, depth + 1, element.get()));
    // Items that are text already, or whose JSON form is their value: nothing to decode, and
    // the array is copied as it is. Json items stay JSON text (see FieldPlan::element).
    if (element->type == FieldType::kText || element->type == FieldType::kJson) {
      element->type = FieldType::kPlain;
    }
    if (element->type != FieldType::kPlain) {
      field->type = FieldType::kArray;
      field->element = std::move(element);
    }
  }
  return Status();
}

Status BuildStruct(dom::object schema, int depth, StructPlan* plan) {
  if (depth > 64) return SchemaError("structs nested too deeply");
  dom::array fields;
  auto error = schema["fields"].get_array().get(fields);
  if (error == simdjson::NO_SUCH_FIELD) return Status();
  if (error != simdjson::SUCCESS) return SchemaError("'fields' is not an array");
  plan->fields.reserve(fields.size());
  for (dom::element element : fields) {
    dom::object field_schema;
    if (element.get_object().get(field_schema) != simdjson::SUCCESS) {
      return SchemaError("a struct field is not an object");
    }
    FieldPlan& field = plan->fields.emplace_back();
    std::string_view name;
    if (field_schema["field"].get_string().get(name) != simdjson::SUCCESS) {
      return SchemaError("a struct field has no string 'field'");
    }
    field.name.assign(name);
    FANOUT_RETURN_IF_ERROR(BuildField(field_schema, depth, &field));
  }
  return Status();
}

}  // namespace

const FieldPlan* StructPlan::Find(std::string_view name, std::size_t hint) const {
  if (hint < fields.size() && fields[hint].name == name) return &fields[hint];
  for (const FieldPlan& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

const StructPlan* StructPlan::Nested(std::string_view name) const {
  const FieldPlan* field = Find(name, fields.size());
  return field ? field->nested.get() : nullptr;
}

Result<std::unique_ptr<SchemaPlan>> BuildSchemaPlan(dom::element schema) {
  auto plan = std::make_unique<SchemaPlan>();
  if (schema.is_null()) return plan;
  dom::object object;
  if (schema.get_object().get(object) != simdjson::SUCCESS) {
    return SchemaError("not an object");
  }
  std::string_view name;
  if (object["name"].get_string().get(name) == simdjson::SUCCESS) plan->name.assign(name);
  std::string_view type;
  if (object["type"].get_string().get(type) != simdjson::SUCCESS) {
    return SchemaError("no string 'type'");
  }
  if (type == "struct") FANOUT_RETURN_IF_ERROR(BuildStruct(object, 0, &plan->root));
  return plan;
}

SchemaPlanCache::SchemaPlanCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

const SchemaPlan* SchemaPlanCache::MatchPrefix(std::string_view topic, bool is_key,
                                               std::string_view text, std::size_t* length) {
  memo_key_.assign(topic);
  memo_key_.push_back(is_key ? 'K' : 'V');
  auto memo = memo_.find(std::string_view(memo_key_));
  if (memo == memo_.end()) return nullptr;
  Entry* entry = memo->second;
  if (!text.starts_with(entry->text)) return nullptr;
  entry->last_use = ++clock_;
  *length = entry->text.size();
  return entry->plan.get();
}

Result<const SchemaPlan*> SchemaPlanCache::Get(std::string_view topic, bool is_key,
                                               std::string_view schema_text) {
  ++clock_;
  memo_key_.assign(topic);
  memo_key_.push_back(is_key ? 'K' : 'V');
  auto memo = memo_.find(std::string_view(memo_key_));
  if (memo != memo_.end() && memo->second->text == schema_text) {
    memo->second->last_use = clock_;
    return memo->second->plan.get();
  }
  const std::size_t hash = std::hash<std::string_view>{}(schema_text);
  Entry* found = nullptr;
  for (const auto& entry : entries_) {
    if (entry->hash == hash && entry->text == schema_text) {
      found = entry.get();
      break;
    }
  }
  if (found == nullptr) {
    dom::element root;
    auto error = parser_.parse(schema_text.data(), schema_text.size()).get(root);
    if (error != simdjson::SUCCESS) {
      return SchemaError(std::string("not valid JSON (") + simdjson::error_message(error) + ")");
    }
    FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<SchemaPlan> plan, BuildSchemaPlan(root));
    ++builds_;
    if (entries_.size() < capacity_) {
      found = entries_.emplace_back(std::make_unique<Entry>()).get();
    } else {
      found = entries_.front().get();
      for (const auto& entry : entries_) {
        if (entry->last_use < found->last_use) found = entry.get();
      }
    }
    found->text.assign(schema_text);
    found->hash = hash;
    found->plan = std::move(plan);
  }
  found->last_use = clock_;
  if (memo != memo_.end()) {
    memo->second = found;
  } else {
    if (memo_.size() >= kMaxMemoTopics) memo_.clear();
    memo_.emplace(memo_key_, found);
  }
  return found->plan.get();
}

}  // namespace fanout::debezium
