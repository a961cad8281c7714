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

Value Value::Decimal(std::string_view plain_text) {
  Value v;
  v.SetText(Kind::kDecimal, plain_text);
  return v;
}

Value Value::Bytes(std::string_view raw) {
  Value v;
  v.SetText(Kind::kBytes, raw);
  return v;
}

void Value::Set(Kind kind, std::int64_t i) {
  kind_ = kind;
  int_ = i;
  double_ = 0;
  text_.clear();  // keeps the capacity for the next text value
}

void Value::SetDouble(double d) {
  Set(Kind::kDouble);
  double_ = d;
}

void Value::SetText(Kind kind, std::string_view text) {
  Set(kind);
  text_.assign(text);
}

std::string* Value::MutableText(Kind kind) {
  Set(kind);
  return &text_;
}

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
             static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out.push_back(kAlphabet[(n >> 18) & 63]);
  out.push_back(kAlphabet[(n >> 12) & 63]);
  out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
  out.push_back('=');
}

const Value* FindColumn(const Row& row, std::string_view name) {
  for (const Column& column : row) {
    if (column.name == name) return &column.value;
  }
  return nullptr;
}

}  // namespace fanout
