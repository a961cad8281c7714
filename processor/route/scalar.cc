#include "processor/route/scalar.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace fanout {
namespace {

constexpr int kUnordered = 2;  // NaN or an unrepresentable number: every operator is false
constexpr std::int64_t kMaxExponent = 1'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char DigitAt(const DecimalView& d, std::size_t k) {
  return k < d.int_digits.size() ? d.int_digits[k] : d.frac_digits[k - d.int_digits.size()];
}

bool Apply(CompareOp op, int cmp) {
  if (cmp == kUnordered) return false;
  switch (op) {
    case CompareOp::kEq:
      return cmp == 0;
    case CompareOp::kNe:
      return cmp != 0;
    case CompareOp::kLt:
      return cmp < 0;
    case CompareOp::kLe:
      return cmp <= 0;
    case CompareOp::kGt:
      return cmp > 0;
    case CompareOp::kGe:
      return cmp >= 0;
  }
  return false;
}

template <typename T>
int Order(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// A numeric operand: exactly one of int, double or decimal text.
struct Number {
  Scalar::Type type = Scalar::Type::kInt;
  std::int64_t i = 0;
  double d = 0;
  bool have_d = false;
  std::string_view text;  // kDecimal
  DecimalView dec;        // kDecimal
};

bool ToNumber(const Scalar& s, Number* n) {
  switch (s.type) {
    case Scalar::Type::kInt:
      n->type = Scalar::Type::kInt;
      n->i = s.i;
      return true;
    case Scalar::Type::kDouble:
      n->type = Scalar::Type::kDouble;
      n->d = s.d;
      n->have_d = true;
      return true;
    case Scalar::Type::kDecimal:
    case Scalar::Type::kText:
      if (!ParseDecimal(s.text, &n->dec)) return false;
      n->type = Scalar::Type::kDecimal;
      n->text = s.text;
      n->d = s.d;
      n->have_d = s.type == Scalar::Type::kDecimal;  // literals carry their double
      return true;
    default:
      return false;
  }
}

bool ToDouble(const Number& n, double* out) {
  if (n.have_d) {
    *out = n.d;
    return true;
  }
  if (n.type == Scalar::Type::kInt) {
    *out = static_cast<double>(n.i);
    return true;
  }
  std::string_view text = n.text;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

int CompareNumbers(const Number& a, const Number& b) {
  if (a.type == Scalar::Type::kInt && b.type == Scalar::Type::kInt) return Order(a.i, b.i);
  if (a.type == Scalar::Type::kDouble || b.type == Scalar::Type::kDouble) {
    double da = 0;
    double db = 0;
    if (!ToDouble(a, &da) || !ToDouble(b, &db) || std::isnan(da) || std::isnan(db)) {
      return kUnordered;
    }
    return Order(da, db);
  }
  // Exact: an int becomes decimal text on the stack.
  char buf_a[24];
  char buf_b[24];
  DecimalView da = a.dec;
  DecimalView db = b.dec;
  if (a.type == Scalar::Type::kInt) {
    auto end = std::to_chars(buf_a, buf_a + sizeof(buf_a), a.i).ptr;
    ParseDecimal(std::string_view(buf_a, static_cast<std::size_t>(end - buf_a)), &da);
  }
  if (b.type == Scalar::Type::kInt) {
    auto end = std::to_chars(buf_b, buf_b + sizeof(buf_b), b.i).ptr;
    ParseDecimal(std::string_view(buf_b, static_cast<std::size_t>(end - buf_b)), &db);
  }
  return CompareDecimals(da, db);
}

bool IsStringLike(Scalar::Type t) { return t == Scalar::Type::kString || t == Scalar::Type::kText; }

}  // namespace

std::string_view CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

Scalar ScalarOf(const Value* value) {
  if (value == nullptr) return Scalar::Null();
  switch (value->kind()) {
    case Value::Kind::kNull:
      return Scalar::Null();
    case Value::Kind::kUnchanged:
      return Scalar{.type = Scalar::Type::kUnchanged};
    case Value::Kind::kBool:
      return Scalar{.type = Scalar::Type::kBool, .b = value->as_bool()};
    case Value::Kind::kInt:
      return Scalar{.type = Scalar::Type::kInt, .i = value->as_int()};
    case Value::Kind::kDouble:
      return Scalar{.type = Scalar::Type::kDouble, .d = value->as_double()};
    case Value::Kind::kString:
    case Value::Kind::kJson:
      return Scalar::String(value->text());
    default:  // kinds added after this code: compared through their text
      return Scalar{.type = Scalar::Type::kText, .text = value->text()};
  }
}

bool CompareScalars(const Scalar& a, CompareOp op, const Scalar& b) {
  using Type = Scalar::Type;
  if (a.type == Type::kNull || b.type == Type::kNull) {
    const bool both = a.type == Type::kNull && b.type == Type::kNull;
    if (op == CompareOp::kEq) return both;
    if (op == CompareOp::kNe) return !both;
    return false;
  }
  if (a.type == Type::kUnchanged || b.type == Type::kUnchanged) return false;
  if (a.type == Type::kBool || b.type == Type::kBool) {
    if (a.type != b.type) return false;
    return Apply(op, Order(a.b, b.b));
  }
  if (a.type == Type::kString || b.type == Type::kString) {
    if (!IsStringLike(a.type) || !IsStringLike(b.type)) return false;
    return Apply(op, Order(a.text.compare(b.text), 0));
  }
  Number na;
  Number nb;
  const bool a_number = ToNumber(a, &na);
  const bool b_number = ToNumber(b, &nb);
  if (a_number && b_number) return Apply(op, CompareNumbers(na, nb));
  // Two values of unknown kinds that are not both numbers still compare as text.
  if (a.type == Type::kText && b.type == Type::kText) {
    return Apply(op, Order(a.text.compare(b.text), 0));
  }
  return false;
}

bool ParseDecimal(std::string_view s, DecimalView* out) {
  DecimalView d;
  std::size_t p = 0;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) d.negative = s[p++] == '-';
  std::size_t start = p;
  while (p < s.size() && IsDigit(s[p])) ++p;
  d.int_digits = s.substr(start, p - start);
  if (p < s.size() && s[p] == '.') {
    start = ++p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    d.frac_digits = s.substr(start, p - start);
  }
  if (d.int_digits.empty() && d.frac_digits.empty()) return false;
  std::int64_t exp10 = 0;
  if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) exp_negative = s[p++] == '-';
    start = p;
    while (p < s.size() && IsDigit(s[p])) {
      exp10 = exp10 * 10 + (s[p++] - '0');
      if (exp10 > kMaxExponent) return false;
    }
    if (p == start) return false;
    if (exp_negative) exp10 = -exp10;
  }
  if (p != s.size()) return false;
  const std::size_t total = d.int_digits.size() + d.frac_digits.size();
  d.first = total;
  for (std::size_t k = 0; k < total; ++k) {
    if (DigitAt(d, k) != '0') {
      if (d.first == total) d.first = k;
      d.end = k + 1;
    }
  }
  d.zero = d.first == total;
  if (d.zero) {
    d.negative = false;  // -0 == 0
  } else {
    d.exponent =
        static_cast<std::int64_t>(d.int_digits.size()) - static_cast<std::int64_t>(d.first) + exp10;
  }
  *out = d;
  return true;
}

int CompareDecimals(const DecimalView& a, const DecimalView& b) {
  const int sa = a.zero ? 0 : (a.negative ? -1 : 1);
  const int sb = b.zero ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude = 0;
  if (a.exponent != b.exponent) {
    magnitude = a.exponent < b.exponent ? -1 : 1;
  } else {
    std::size_t ka = a.first;
    std::size_t kb = b.first;
    while (ka < a.end && kb < b.end && magnitude == 0) {
      magnitude = Order(DigitAt(a, ka++), DigitAt(b, kb++));
    }
    // Equal so far: the one with significant digits left (its last one is non-zero) is larger.
    if (magnitude == 0) magnitude = Order(a.end - ka, b.end - kb);
  }
  return sa > 0 ? magnitude : -magnitude;
}

}  // namespace fanout
