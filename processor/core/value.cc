#include "processor/core/value.h"

namespace fanout {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.int_ = b ? 1 : 0;
  return v;
}

Value Value::Int(std::int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.int_ = i;
  return v;
}

Value Value::Double(double d) {
  Value v;
  v.kind_ = Kind::kDouble;
  v.double_ = d;
  return v;
}

Value Value::String(std::string_view s) {
  Value v;
  v.kind_ = Kind::kString;
  v.text_.assign(s);
  return v;
}

Value Value::Json(std::string_view json_text) {
  Value v;
  v.kind_ = Kind::kJson;
  v.text_.assign(json_text);
  return v;
}

Value Value::Unchanged() {
  Value v;
  v.kind_ = Kind::kUnchanged;
  return v;
}

const Value* FindColumn(const Row& row, std::string_view name) {
  for (const Column& column : row) {
    if (column.name == name) return &column.value;
  }
  return nullptr;
}

}  // namespace fanout
