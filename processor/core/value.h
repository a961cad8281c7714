// Value and Row: a decoded column value and a row image (key, before, after).
#ifndef FANOUT_PROCESSOR_CORE_VALUE_H_
#define FANOUT_PROCESSOR_CORE_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

class Value {
 public:
  enum class Kind : std::uint8_t {
    kNull,
    kBool,
    kInt,  // exact int64
    kDouble,
    kString,     // text (also decoded logical types in their natural text form)
    kJson,       // a nested object or array, kept as compact JSON text
    kUnchanged,  // Postgres unchanged-TOAST placeholder: the column did not change; leave it alone
  };

  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Int(std::int64_t i);
  static Value Double(double d);
  static Value String(std::string_view s);
  static Value Json(std::string_view json_text);
  static Value Unchanged();

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool as_bool() const { return int_ != 0; }
  std::int64_t as_int() const { return int_; }
  double as_double() const { return double_; }
  // Text for kString and kJson; empty otherwise.
  std::string_view text() const { return text_; }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Kind kind_ = Kind::kNull;
  std::int64_t int_ = 0;
  double double_ = 0;
  std::string text_;
};

struct Column {
  std::string name;
  Value value;
  friend bool operator==(const Column&, const Column&) = default;
};

// Columns in the order the event carried them.
using Row = std::vector<Column>;

// The column named `name`, or nullptr.
const Value* FindColumn(const Row& row, std::string_view name);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_VALUE_H_
