#include "sinks/postgres/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace fanout {

std::optional<std::string> RenderValue(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kUnchanged:
      return std::nullopt;
    case Value::Kind::kBool:
      return std::string(value.as_bool() ? "true" : "false");
    case Value::Kind::kInt:
      return std::to_string(value.as_int());
    case Value::Kind::kDouble: {
      const double d = value.as_double();
      if (std::isnan(d)) return std::string("NaN");
      if (std::isinf(d)) return std::string(d > 0 ? "Infinity" : "-Infinity");
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
      (void)ec;  // 32 characters always hold the shortest form of a double
      return std::string(buffer, end);
    }
    case Value::Kind::kString:
    case Value::Kind::kJson:
    case Value::Kind::kDecimal:
      return std::string(value.text());
    case Value::Kind::kBytes: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out = "\\x";
      out.reserve(2 + value.text().size() * 2);
      for (char c : value.text()) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xF]);
      }
      return out;
    }
  }
  return std::nullopt;
}

std::string_view SqlTypeFor(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kBool:
      return "boolean";
    case Value::Kind::kInt:
      return "bigint";
    case Value::Kind::kDouble:
      return "double precision";
    case Value::Kind::kJson:
      return "jsonb";
    case Value::Kind::kDecimal:
      return "numeric";
    case Value::Kind::kBytes:
      return "bytea";
    case Value::Kind::kNull:
    case Value::Kind::kUnchanged:
    case Value::Kind::kString:
      break;
  }
  return "text";
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string QuoteQualified(std::string_view qualified) {
  const std::size_t dot = qualified.find('.');
  if (dot == std::string_view::npos) return QuoteIdentifier(qualified);
  return QuoteIdentifier(qualified.substr(0, dot)) + "." +
         QuoteIdentifier(qualified.substr(dot + 1));
}

std::string Uint128ToDecimal(std::uint64_t hi, std::uint64_t lo) {
  // Long division by 10 over four 32-bit limbs, most significant first.
  std::uint32_t limbs[4] = {static_cast<std::uint32_t>(hi >> 32), static_cast<std::uint32_t>(hi),
                            static_cast<std::uint32_t>(lo >> 32), static_cast<std::uint32_t>(lo)};
  std::string digits;
  auto is_zero = [&limbs] {
    return std::all_of(std::begin(limbs), std::end(limbs), [](std::uint32_t l) { return l == 0; });
  };
  do {
    std::uint64_t remainder = 0;
    for (std::uint32_t& limb : limbs) {
      const std::uint64_t current = (remainder << 32) | limb;
      limb = static_cast<std::uint32_t>(current / 10);
      remainder = current % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  } while (!is_zero());
  std::reverse(digits.begin(), digits.end());
  return digits;
}

Result<std::string> PostgresVersion(const ChangeEvent& event, const KafkaRecordView& record) {
  const SourcePosition& p = event.position;
  switch (p.kind) {
    case SourcePosition::Kind::kPostgres:
      return Uint128ToDecimal(p.major, p.minor);
    case SourcePosition::Kind::kBinlog: {
      constexpr std::uint64_t kMax32 = 0xFFFFFFFFu;
      if (p.minor > kMax32 || p.sub > kMax32) {
        return InvalidArgument("source position " + p.ToString() +
                               " does not fit a version (binlog position or row over 2^32-1)");
      }
      return Uint128ToDecimal(p.major, (p.minor << 32) | p.sub);
    }
    case SourcePosition::Kind::kKafka:
      return std::to_string(p.minor);
    case SourcePosition::Kind::kNone:
      break;
  }
  if (record.offset >= 0) return std::to_string(record.offset);
  return InvalidArgument(
      "the change has no source position and no Kafka offset to version it with; a replay "
      "could overwrite a newer row");
}

}  // namespace fanout
