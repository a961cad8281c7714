// Scalar: a borrowed, kind-tagged view of one operand of a `when:` comparison (a column value,
// an event attribute such as the op, or a literal), and the comparison rules between two of them.
//
// The rules (processor/route/README.md repeats them for users):
//   - null: a missing column or image counts as null. Null equals null and nothing else, so
//     `x == null` tests for null, `x != null` for non-null, and `x != 'a'` is true when x is
//     null. Ordering (< <= > >=) with a null side is false.
//   - unchanged (Postgres TOAST placeholder): a non-null value that was not sent, so unknown.
//     `== null` is false and `!= null` is true; every other comparison with it is false.
//   - numbers: int, double and exact decimal text compare by value across kinds. int/int and
//     int/decimal/decimal are exact; when a double is involved both sides become doubles. NaN
//     compares false.
//   - strings (and JSON, as its compact text) compare bytewise.
//   - bools compare with bools (false < true).
//   - values of a kind this code does not know (e.g. decimals or bytes added later) compare as
//     their text(): bytewise with strings, and by value with numbers when the text is a valid
//     decimal number.
//   - anything else (a string with a number, a bool with an int, ...) is incompatible: every
//     operator, != included, is false. There is no implicit string/number conversion.
// All functions are pure and allocation-free.
#ifndef FANOUT_PROCESSOR_ROUTE_SCALAR_H_
#define FANOUT_PROCESSOR_ROUTE_SCALAR_H_

#include <cstdint>
#include <string_view>

#include "processor/core/value.h"

namespace fanout {

enum class CompareOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

std::string_view CompareOpName(CompareOp op);  // "==", "!=", ...

struct Scalar {
  enum class Type : std::uint8_t {
    kNull,       // null, or a missing column or image
    kUnchanged,  // unchanged-TOAST placeholder
    kBool,
    kInt,
    kDouble,
    kDecimal,  // exact decimal text (a literal); `d` holds its nearest double
    kString,   // strings, JSON text, event attributes
    kText,     // a Value of a kind not known here: its text()
  };
  Type type = Type::kNull;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string_view text{};

  static Scalar Null() { return Scalar{}; }
  static Scalar String(std::string_view s) { return Scalar{.type = Type::kString, .text = s}; }
};

// The scalar view of a column value; nullptr (a missing column) is null. Borrows from `value`.
Scalar ScalarOf(const Value* value);

bool CompareScalars(const Scalar& a, CompareOp op, const Scalar& b);

// A decimal number in text form: [+-]digits[.digits][(e|E)[+-]digits], at least one digit.
// Borrowed from the text; value = sign * 0.<significant digits> * 10^exponent.
struct DecimalView {
  bool negative = false;
  bool zero = true;
  std::int64_t exponent = 0;
  std::string_view int_digits{};   // digits before the point, as written
  std::string_view frac_digits{};  // digits after the point, as written
  std::size_t first = 0;           // index of the first significant digit in int+frac
  std::size_t end = 0;             // one past the last non-zero digit in int+frac
};

// False when `text` is not a decimal number (or its exponent is absurdly large).
bool ParseDecimal(std::string_view text, DecimalView* out);

// -1, 0 or 1: exact comparison, whatever the number of digits.
int CompareDecimals(const DecimalView& a, const DecimalView& b);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_SCALAR_H_
