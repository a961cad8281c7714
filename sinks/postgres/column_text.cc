#include "sinks/postgres/column_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace fanout {
namespace {

constexpr int kMaxJsonDepth = 64;

Status JsonError(std::string_view what) {
  return InvalidArgument("cannot write the value: " + std::string(what));
}

void AppendUtf8(std::uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A forward reader of JSON text, enough to take arrays and objects apart exactly: strings are
// unescaped, numbers and other literals kept as written (never through a double), any value's
// text can be taken whole. The decoder validated the JSON; this still fails cleanly on bad input.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool AtEnd() { return Peek() == '\0' && pos_ >= text_.size(); }

  // At a '"': the string's value, unescaped, into *out (replaced).
  Status String(std::string* out) {
    out->clear();
    if (!Consume('"')) return JsonError("expected a JSON string");
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return Status();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      switch (text_[pos_++]) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          std::uint32_t code_point = 0;
          FANOUT_RETURN_IF_ERROR(Hex4(&code_point));
          if (code_point >= 0xD800 && code_point < 0xDC00) {  // a surrogate pair
            std::uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u") return JsonError("a lone UTF-16 surrogate");
            pos_ += 2;
            FANOUT_RETURN_IF_ERROR(Hex4(&low));
            if (low < 0xDC00 || low >= 0xE000) return JsonError("a lone UTF-16 surrogate");
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point < 0xE000) {
            return JsonError("a lone UTF-16 surrogate");
          }
          // libpq sends parameters as C strings: a NUL would silently cut the value.
          if (code_point == 0) return JsonError("\\u0000: PostgreSQL text cannot hold a NUL");
          AppendUtf8(code_point, out);
          break;
        }
        default:
          return JsonError("a bad escape in a JSON string");
      }
    }
    return JsonError("an unterminated JSON string");
  }

  // The text of the next value (any type), skipped.
  Result<std::string_view> Raw(int depth = 0) {
    if (depth > kMaxJsonDepth) return JsonError("JSON nested too deeply");
    const char c = Peek();
    const std::size_t start = pos_;
    if (c == '"') {
      FANOUT_RETURN_IF_ERROR(String(&scratch_));
    } else if (c == '[' || c == '{') {
      const char close = c == '[' ? ']' : '}';
      ++pos_;
      if (!Consume(close)) {
        do {
          if (c == '{') {
            FANOUT_RETURN_IF_ERROR(String(&scratch_));
            if (!Consume(':')) return JsonError("expected ':' in a JSON object");
          }
          FANOUT_ASSIGN_OR_RETURN(std::string_view ignored, Raw(depth + 1));
          (void)ignored;
        } while (Consume(','));
        if (!Consume(close)) return JsonError("an unterminated JSON array or object");
      }
    } else {
      FANOUT_ASSIGN_OR_RETURN(std::string_view literal, Literal());
      (void)literal;
    }
    return text_.substr(start, pos_ - start);
  }

  // A number, true, false or null, as written.
  Result<std::string_view> Literal() {
    SkipSpace();
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) != 0 || text_[pos_] == '-' ||
            text_[pos_] == '+' || text_[pos_] == '.')) {
      ++pos_;
    }
    if (pos_ == start) return JsonError("expected a JSON value");
    return text_.substr(start, pos_ - start);
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  Status Hex4(std::uint32_t* out) {
    if (pos_ + 4 > text_.size()) return JsonError("a short \\u escape");
    for (int i = 0; i < 4; ++i) {
      const int digit = HexDigit(text_[pos_++]);
      if (digit < 0) return JsonError("a bad \\u escape");
      *out = (*out << 4) | static_cast<std::uint32_t>(digit);
    }
    return Status();
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string scratch_;
};

// Appends `text` as a double-quoted hstore key or value.
void AppendHstoreQuoted(std::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

Status AppendHstore(JsonReader& in, std::string* out) {
  if (!in.Consume('{')) return JsonError("an hstore value is not a JSON object");
  if (in.Consume('}')) return Status();
  std::string text;
  bool first = true;
  do {
    if (!first) out->append(", ");
    first = false;
    FANOUT_RETURN_IF_ERROR(in.String(&text));
    AppendHstoreQuoted(text, out);
    out->append("=>");
    if (!in.Consume(':')) return JsonError("expected ':' in a JSON object");
    const char c = in.Peek();
    if (c == '"') {
      FANOUT_RETURN_IF_ERROR(in.String(&text));
      AppendHstoreQuoted(text, out);
    } else if (c == '[' || c == '{') {
      return JsonError("an hstore value cannot be a JSON array or object");
    } else {
      FANOUT_ASSIGN_OR_RETURN(std::string_view literal, in.Literal());
      if (literal == "null") {
        out->append("NULL");
      } else {
        AppendHstoreQuoted(literal, out);
      }
    }
  } while (in.Consume(','));
  if (!in.Consume('}')) return JsonError("an unterminated JSON object");
  return Status();
}

Status AppendBase64AsHex(std::string_view base64, std::string* out) {
  out->append("\\x");
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : base64) {
    if (c == '=') break;
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (v < 0) return JsonError("a bytea array item is not base64");
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      static constexpr char kHex[] = "0123456789abcdef";
      const auto byte = (accumulator >> bits) & 0xFF;
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xF]);
    }
  }
  return Status();
}

// One element of an array: null, a nested array (a dimension), or a value per `element`.
Status AppendPgArray(JsonReader& in, PostgresElementForm element, int depth, std::string* out);

Status AppendPgElement(JsonReader& in, PostgresElementForm element, int depth, std::string* out) {
  const char c = in.Peek();
  if (c == '[' && element != PostgresElementForm::kJson)
    return AppendPgArray(in, element, depth + 1, out);
  std::string text;
  if (c == '"') {
    FANOUT_RETURN_IF_ERROR(in.String(&text));
    if (element == PostgresElementForm::kBytea) {
      std::string hex;
      FANOUT_RETURN_IF_ERROR(AppendBase64AsHex(text, &hex));
      text = std::move(hex);
    } else if (element == PostgresElementForm::kHstore) {
      // Debezium's Json item: the hstore as JSON text.
      JsonReader item(text);
      std::string hstore;
      FANOUT_RETURN_IF_ERROR(AppendHstore(item, &hstore));
      text = std::move(hstore);
    }
    // kJson: a Json item is the element's JSON text, already.
  } else if (c == '{' && element == PostgresElementForm::kHstore) {
    FANOUT_RETURN_IF_ERROR(AppendHstore(in, &text));
  } else if (c == '[' || c == '{') {
    FANOUT_ASSIGN_OR_RETURN(std::string_view raw, in.Raw(depth));
    text.assign(raw);
  } else {
    FANOUT_ASSIGN_OR_RETURN(std::string_view literal, in.Literal());
    if (literal == "null") {
      out->append("NULL");
      return Status();
    }
    text.assign(literal);
  }
  AppendArrayElement(text, out);
  return Status();
}

Status AppendPgArray(JsonReader& in, PostgresElementForm element, int depth, std::string* out) {
  if (depth > kMaxJsonDepth) return JsonError("an array nested too deeply");
  if (!in.Consume('[')) return JsonError("an array value is not a JSON array");
  out->push_back('{');
  if (!in.Consume(']')) {
    bool first = true;
    do {
      if (!first) out->push_back(',');
      first = false;
      FANOUT_RETURN_IF_ERROR(AppendPgElement(in, element, depth, out));
    } while (in.Consume(','));
    if (!in.Consume(']')) return JsonError("an unterminated JSON array");
  }
  out->push_back('}');
  return Status();
}

// Debezium's Point struct {"x":..,"y":..,"wkb":..,"srid":..} → (x,y), the numbers as written.
Result<std::string> PointText(std::string_view json) {
  JsonReader in(json);
  if (!in.Consume('{')) return JsonError("a point value is not a JSON object");
  std::string x;
  std::string y;
  std::string name;
  if (!in.Consume('}')) {
    do {
      FANOUT_RETURN_IF_ERROR(in.String(&name));
      if (!in.Consume(':')) return JsonError("expected ':' in a JSON object");
      FANOUT_ASSIGN_OR_RETURN(std::string_view raw, in.Raw());
      if (name == "x") x.assign(raw);
      if (name == "y") y.assign(raw);
    } while (in.Consume(','));
  }
  if (x.empty() || y.empty() || x.front() == '"' || y.front() == '"' || x == "null" ||
      y == "null") {
    return JsonError("a point value has no numeric x and y");
  }
  return "(" + x + "," + y + ")";
}

// Debezium's Bits (bytes, little-endian: bit 0 is the string's last digit), here as RenderValue
// wrote them (\x hex) → binary digits: `length` of them (bit(n)), or down from the highest 1
// (varbit, length < 0).
Result<std::string> BitsText(std::string_view hex, std::int32_t length) {
  if (hex.size() < 2 || hex.size() % 2 != 0 || hex.substr(0, 2) != "\\x") {
    return JsonError("a bit string value is not bytes");
  }
  std::string bytes;
  for (std::size_t i = 2; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(HexDigit(hex[i]) * 16 + HexDigit(hex[i + 1])));
  }
  auto bit = [&bytes](std::size_t n) {
    return (static_cast<unsigned char>(bytes[n / 8]) >> (n % 8) & 1) != 0;
  };
  const std::size_t total = bytes.size() * 8;
  std::size_t digits = 0;
  if (length >= 0) {
    digits = static_cast<std::size_t>(length);
    for (std::size_t n = digits; n < total; ++n) {
      if (bit(n)) return JsonError("a bit string value is longer than its column");
    }
  } else {
    for (std::size_t n = total; n > 0; --n) {
      if (bit(n - 1)) {
        digits = n;
        break;
      }
    }
  }
  std::string out;
  out.reserve(digits);
  for (std::size_t n = digits; n > 0; --n) out.push_back(n - 1 < total && bit(n - 1) ? '1' : '0');
  return out;
}

}  // namespace

void AppendArrayElement(const std::optional<std::string>& text, std::string* out) {
  if (!text) {
    out->append("NULL");
    return;
  }
  out->push_back('"');
  for (const char c : *text) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

Result<std::string> JsonArrayToPgArray(std::string_view json, PostgresElementForm element) {
  JsonReader in(json);
  std::string out;
  out.reserve(json.size() + 8);
  FANOUT_RETURN_IF_ERROR(AppendPgArray(in, element, 0, &out));
  if (!in.AtEnd()) return JsonError("text after the JSON array");
  return out;
}

Result<std::string> JsonObjectToHstore(std::string_view json) {
  JsonReader in(json);
  std::string out;
  FANOUT_RETURN_IF_ERROR(AppendHstore(in, &out));
  if (!in.AtEnd()) return JsonError("text after the JSON object");
  return out;
}

PostgresColumnType ColumnTypeOf(std::string_view type, std::string_view element,
                                std::int32_t typmod) {
  PostgresColumnType out;
  if (!element.empty()) {
    out.form = PostgresColumnForm::kArray;
    if (element == "bytea") out.element = PostgresElementForm::kBytea;
    if (element == "json" || element == "jsonb") out.element = PostgresElementForm::kJson;
    if (element == "hstore") out.element = PostgresElementForm::kHstore;
  } else if (type == "bit") {
    out.form = PostgresColumnForm::kBit;
    out.bits = typmod;
  } else if (type == "varbit") {
    out.form = PostgresColumnForm::kVarbit;
  } else if (type == "interval") {
    out.form = PostgresColumnForm::kInterval;
  } else if (type == "hstore") {
    out.form = PostgresColumnForm::kHstore;
  } else if (type == "point") {
    out.form = PostgresColumnForm::kPoint;
  }
  return out;
}

Result<std::string> ToColumnText(std::string text, Value::Kind kind,
                                 const PostgresColumnType& type) {
  switch (type.form) {
    case PostgresColumnForm::kAsIs:
      break;
    case PostgresColumnForm::kArray:
      if (kind == Value::Kind::kJson) return JsonArrayToPgArray(text, type.element);
      break;
    case PostgresColumnForm::kBit:
    case PostgresColumnForm::kVarbit:
      if (kind == Value::Kind::kBool) return std::string(text == "true" ? "1" : "0");
      if (kind == Value::Kind::kBytes) {
        return BitsText(text, type.form == PostgresColumnForm::kBit ? std::max(type.bits, 1) : -1);
      }
      break;
    case PostgresColumnForm::kInterval:
      if (kind == Value::Kind::kInt) return text + " microseconds";
      break;
    case PostgresColumnForm::kHstore:
      if (kind == Value::Kind::kJson) return JsonObjectToHstore(text);
      break;
    case PostgresColumnForm::kPoint:
      if (kind == Value::Kind::kJson) return PointText(text);
      break;
  }
  return text;
}

}  // namespace fanout
