#include "processor/debezium/logical_types.h"

#include <gmp.h>

#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

namespace fanout::debezium {
namespace {

// Value of a base64 character, or -1.
constexpr std::array<std::int8_t, 256> kBase64Values = [] {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}();

void AppendPadded(std::int64_t value, int width, std::string* out) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  for (auto n = end - buffer; n < width; ++n) out->push_back('0');
  out->append(buffer, end);
}

// Writes `digits` (the magnitude, no sign, no leading zeros except "0") with `scale` applied.
void AppendScaled(bool negative, std::string_view digits, std::int32_t scale, std::string* out) {
  bool zero = digits == "0";
  if (negative && !zero) out->push_back('-');
  if (scale <= 0) {
    out->append(digits);
    if (!zero) out->append(static_cast<std::size_t>(-static_cast<std::int64_t>(scale)), '0');
    return;
  }
  auto fraction = static_cast<std::size_t>(scale);
  if (digits.size() <= fraction) {
    out->append("0.");
    out->append(fraction - digits.size(), '0');
    out->append(digits);
  } else {
    out->append(digits.substr(0, digits.size() - fraction));
    out->push_back('.');
    out->append(digits.substr(digits.size() - fraction));
  }
}

// Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil inverse), any int64 range
// that a timestamp can produce.
void CivilFromDays(std::int64_t z, std::int64_t* year, int* month, int* day) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

void AppendYear(std::int64_t year, std::string* out) {
  if (year > 9999) {
    out->push_back('+');
    AppendPadded(year, 4, out);
  } else if (year < 0) {
    out->push_back('-');
    AppendPadded(-year, 4, out);
  } else {
    AppendPadded(year, 4, out);
  }
}

int DigitsOf(std::int64_t units_per_second) {
  int digits = 0;
  for (std::int64_t u = units_per_second; u > 1; u /= 10) ++digits;
  return digits;
}

void AppendClock(std::int64_t units_of_day, std::int64_t units_per_second, std::string* out) {
  std::int64_t seconds = units_of_day / units_per_second;
  std::int64_t fraction = units_of_day % units_per_second;
  AppendPadded(seconds / 3600, 2, out);
  out->push_back(':');
  AppendPadded(seconds / 60 % 60, 2, out);
  out->push_back(':');
  AppendPadded(seconds % 60, 2, out);
  if (fraction != 0) {
    out->push_back('.');
    AppendPadded(fraction, DigitsOf(units_per_second), out);
  }
}

}  // namespace

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out->reserve(text.size() * 3 / 4);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    std::int8_t v = kBase64Values[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  return true;
}

Status AppendDecimal(std::string_view unscaled, std::int32_t scale, std::string* out) {
  if (unscaled.size() > kMaxDecimalBytes) {
    return InvalidArgument("decimal of " + std::to_string(unscaled.size()) + " bytes is over the " +
                           std::to_string(kMaxDecimalBytes) + "-byte limit");
  }
  if (scale > kMaxDecimalScale || scale < -kMaxDecimalScale) {
    return InvalidArgument("decimal scale " + std::to_string(scale) + " is out of range");
  }
  if (unscaled.empty()) {
    AppendScaled(false, "0", scale, out);
    return Status();
  }
  const bool negative = (static_cast<unsigned char>(unscaled[0]) & 0x80) != 0;
  if (unscaled.size() <= 8) {  // the common case: fits in 64 bits
    std::uint64_t bits = negative ? ~std::uint64_t{0} : 0;
    for (char c : unscaled) bits = (bits << 8) | static_cast<unsigned char>(c);
    std::uint64_t magnitude = negative ? ~bits + 1 : bits;
    char buffer[24];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), magnitude);
    AppendScaled(negative, std::string_view(buffer, static_cast<std::size_t>(end - buffer)), scale,
                 out);
    return Status();
  }
  // Wide: magnitude (two's complement negated if needed), then GMP's base conversion, which is
  // subquadratic. Schoolbook conversion is quadratic in the width: 150 decimals of 4 KB in one
  // record took 0.8 s that way.
  std::vector<std::uint8_t> magnitude(unscaled.begin(), unscaled.end());
  if (negative) {
    for (auto& b : magnitude) b = static_cast<std::uint8_t>(~b);
    for (auto it = magnitude.rbegin(); it != magnitude.rend(); ++it) {
      if (++*it != 0) break;
    }
  }
  mpz_t number;
  mpz_init(number);
  mpz_import(number, magnitude.size(), /*order=*/1, /*size=*/1, /*endian=*/1, /*nails=*/0,
             magnitude.data());
  std::string digits(mpz_sizeinbase(number, 10) + 1, '\0');  // may be one over, plus the NUL
  mpz_get_str(digits.data(), 10, number);
  mpz_clear(number);
  digits.resize(std::char_traits<char>::length(digits.c_str()));
  AppendScaled(negative, digits, scale, out);
  return Status();
}

Status AppendDecimalNumber(std::string_view number, std::int32_t scale, std::string* out) {
  // Grammar of a JSON number: -?int(.frac)?([eE][+-]?exp)?
  std::string_view text = number;
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  std::size_t e = text.find_first_of("eE");
  std::string_view mantissa = text.substr(0, e);
  std::int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp_text = text.substr(e + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    auto [ptr, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    if (ec != std::errc() || ptr != exp_text.data() + exp_text.size() || exponent > 100000 ||
        exponent < -100000) {
      return InvalidArgument("decimal number '" + std::string(number.substr(0, 64)) +
                             "' has a bad exponent");
    }
  }
  std::size_t dot = mantissa.find('.');
  std::string digits(mantissa.substr(0, dot));
  std::int64_t own_scale = 0;
  if (dot != std::string_view::npos) {
    digits.append(mantissa.substr(dot + 1));
    own_scale = static_cast<std::int64_t>(mantissa.size() - dot - 1);
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("decimal number '" + std::string(number.substr(0, 64)) +
                           "' is not a number");
  }
  own_scale -= exponent;
  // Keep the value exact: pad to the schema's scale, never drop digits.
  std::int64_t target = std::max<std::int64_t>(own_scale, scale);
  if (target > kMaxDecimalScale || target < -kMaxDecimalScale ||
      digits.size() > kMaxDecimalBytes * 3) {
    return InvalidArgument("decimal number '" + std::string(number.substr(0, 64)) +
                           "' is out of range");
  }
  digits.append(static_cast<std::size_t>(target - own_scale), '0');
  std::size_t first = digits.find_first_not_of('0');
  std::string_view significant =
      first == std::string::npos ? std::string_view("0") : std::string_view(digits).substr(first);
  AppendScaled(negative, significant, static_cast<std::int32_t>(target), out);
  return Status();
}

void AppendDate(std::int64_t days, std::string* out) {
  // What Debezium 3.2 sends for a PostgreSQL date of +infinity and -infinity (observed on 3.2.7):
  // in the snapshot and in array items, the JDBC driver's infinity Date turned into a day count
  // that overflowed an int; in streamed scalars, PostgreSQL's INT32_MAX/MIN days since 2000
  // shifted to 1970 and overflowed. All four are a million years or more before any date
  // PostgreSQL (4713 BC) or another source can hold, so they can only mean the infinities.
  constexpr std::int64_t kSnapshotPositiveInfinity = -622191234;
  constexpr std::int64_t kSnapshotNegativeInfinity = -625821272;
  constexpr std::int64_t kStreamedPositiveInfinity = -2147472692;  // INT32_MAX + 10957 - 2^32
  constexpr std::int64_t kStreamedNegativeInfinity = -2147472691;  // INT32_MIN + 10957
  if (days == kSnapshotPositiveInfinity || days == kStreamedPositiveInfinity) {
    out->append("infinity");
    return;
  }
  if (days == kSnapshotNegativeInfinity || days == kStreamedNegativeInfinity) {
    out->append("-infinity");
    return;
  }
  std::int64_t year = 0;
  int month = 0;
  int day = 0;
  CivilFromDays(days, &year, &month, &day);
  AppendYear(year, out);
  out->push_back('-');
  AppendPadded(month, 2, out);
  out->push_back('-');
  AppendPadded(day, 2, out);
}

Status AppendTimeOfDay(std::int64_t value, std::int64_t units_per_second, std::string* out) {
  // MySQL's TIME is a duration, -838:59:59.999999 to 838:59:59.999999 (PostgreSQL's time of day
  // is the 00:00..24:00 part of it).
  const std::int64_t limit = (838 * 3600 + 59 * 60 + 60) * units_per_second;
  if (value <= -limit || value >= limit) {
    return InvalidArgument("time " + std::to_string(value) +
                           " is outside -838:59:59.999999..838:59:59.999999");
  }
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  AppendClock(value, units_per_second, out);
  return Status();
}

void AppendTimestamp(std::int64_t value, std::int64_t units_per_second, std::string* out) {
  // The sentinels are in microseconds; a timestamp(0..3) column (io.debezium.time.Timestamp)
  // carries them in milliseconds: 9223372036825200 and -9223372036832400.
  constexpr std::int64_t kPgPositiveInfinity = 9223372036825200000;
  constexpr std::int64_t kPgNegativeInfinity = -9223372036832400000;
  const std::int64_t per_micro =
      units_per_second > 0 && units_per_second <= 1000000 && 1000000 % units_per_second == 0
          ? 1000000 / units_per_second
          : 0;
  if (value == INT64_MAX || value == kPgPositiveInfinity ||
      (per_micro > 1 && value == kPgPositiveInfinity / per_micro)) {
    out->append("infinity");
    return;
  }
  if (value == INT64_MIN || value == kPgNegativeInfinity ||
      (per_micro > 1 && value == kPgNegativeInfinity / per_micro)) {
    out->append("-infinity");
    return;
  }
  const std::int64_t units_per_day = 86400 * units_per_second;
  std::int64_t days = value / units_per_day;
  std::int64_t rest = value % units_per_day;
  if (rest < 0) {  // floor division: 1969-12-31T23:59:59.999 for -1 ms
    rest += units_per_day;
    --days;
  }
  AppendDate(days, out);
  out->push_back('T');
  AppendClock(rest, units_per_second, out);
  out->push_back('Z');
}

}  // namespace fanout::debezium
