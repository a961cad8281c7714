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
    kString,  // text (also decoded logical types in their natural text form)
    kJson,    // a nested object or array as JSON text (a json column's text as the source has it)
    kUnchanged,  // Postgres unchanged-TOAST placeholder: the column did not change; leave it alone
    kDecimal,    // exact decimal as plain text ("-20.00", "99999999.99"); never rounded via double
    kBytes,      // raw bytes (bytea, BLOB, bit strings), already base64-decoded
  };

  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Int(std::int64_t i);
  static Value Double(double d);
  static Value String(std::string_view s);
  static Value Json(std::string_view json_text);
  static Value Unchanged();
  static Value Decimal(std::string_view plain_text);
  static Value Bytes(std::string_view raw);

  // In-place setters: the decoder reuses a caller's Value (and its text buffer) across events so
  // a steady stream of events does not allocate.
  void SetNull() { Set(Kind::kNull); }
  void SetBool(bool b) { Set(Kind::kBool, b ? 1 : 0); }
  void SetInt(std::int64_t i) { Set(Kind::kInt, i); }
  void SetDouble(double d);
  void SetUnchanged() { Set(Kind::kUnchanged); }
  // `kind` is one of the text kinds (kString, kJson, kDecimal, kBytes).
  void SetText(Kind kind, std::string_view text);
  // Clears the text and returns it for the caller to fill; the kind becomes `kind`.
  std::string* MutableText(Kind kind);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool as_bool() const { return int_ != 0; }
  std::int64_t as_int() const { return int_; }
  double as_double() const { return double_; }
  // Text for kString, kJson and kDecimal, the raw bytes for kBytes; empty otherwise.
  std::string_view text() const { return text_; }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  void Set(Kind kind, std::int64_t i = 0);

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

// Appends standard base64 (RFC 4648, with padding) of `bytes`: how kBytes is written as JSON.
void AppendBase64(std::string& out, std::string_view bytes);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_VALUE_H_
