#include "processor/route/predicate_lexer.h"

#include <string>

namespace fanout::predicate_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '$'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Status ErrorAt(std::size_t pos, std::string_view what, std::size_t* error_offset) {
  *error_offset = pos;
  return InvalidArgument("at character " + std::to_string(pos + 1) + ": " + std::string(what));
}

}  // namespace

std::string Describe(const Token& token) {
  switch (token.kind) {
    case Token::Kind::kIdent:
      return "'" + token.text + "'";
    case Token::Kind::kString:
      return "a string";
    case Token::Kind::kNumber:
      return "'" + token.text + "'";
    case Token::Kind::kEnd:
      return "the end of the predicate";
    default:
      return "'" + token.text + "'";
  }
}

Status Tokenize(std::string_view s, std::vector<Token>* tokens, std::size_t* error_offset) {
  std::size_t p = 0;
  while (true) {
    while (p < s.size() && IsSpace(s[p])) ++p;
    Token token;
    token.pos = p;
    if (p == s.size()) {
      tokens->push_back(std::move(token));
      return Status::Ok();
    }
    const char c = s[p];
    const char next = p + 1 < s.size() ? s[p + 1] : '\0';
    if (IsIdentStart(c)) {
      const std::size_t start = p;
      while (p < s.size() && IsIdentChar(s[p])) ++p;
      token.kind = Token::Kind::kIdent;
      token.text.assign(s.substr(start, p - start));
    } else if (c == '`') {
      const std::size_t end = s.find('`', p + 1);
      if (end == std::string_view::npos) return ErrorAt(p, "unterminated '`'", error_offset);
      if (end == p + 1) return ErrorAt(p, "empty quoted name", error_offset);
      token.kind = Token::Kind::kIdent;
      token.quoted = true;
      token.text.assign(s.substr(p + 1, end - p - 1));
      p = end + 1;
    } else if (IsDigit(c) || ((c == '-' || c == '.') && (IsDigit(next) || next == '.'))) {
      const std::size_t start = p;
      if (s[p] == '-') ++p;
      while (p < s.size() && IsDigit(s[p])) ++p;
      if (p < s.size() && s[p] == '.') {
        ++p;
        while (p < s.size() && IsDigit(s[p])) ++p;
      }
      if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
        ++p;
        if (p < s.size() && (s[p] == '+' || s[p] == '-')) ++p;
        if (p == s.size() || !IsDigit(s[p]))
          return ErrorAt(p, "expected exponent digits", error_offset);
        while (p < s.size() && IsDigit(s[p])) ++p;
      }
      if (p < s.size() && IsIdentChar(s[p])) {
        return ErrorAt(p, "unexpected character after a number", error_offset);
      }
      token.kind = Token::Kind::kNumber;
      token.text.assign(s.substr(start, p - start));
    } else if (c == '\'' || c == '"') {
      token.kind = Token::Kind::kString;
      ++p;
      while (true) {
        if (p == s.size()) return ErrorAt(token.pos, "unterminated string", error_offset);
        const char ch = s[p];
        if (ch == c) {
          ++p;
          break;
        }
        if (ch == '\\') {
          if (p + 1 == s.size()) return ErrorAt(token.pos, "unterminated string", error_offset);
          const char escaped = s[p + 1];
          switch (escaped) {
            case '\\':
            case '\'':
            case '"':
              token.text.push_back(escaped);
              break;
            case 'n':
              token.text.push_back('\n');
              break;
            case 't':
              token.text.push_back('\t');
              break;
            default:
              return ErrorAt(p, "unknown escape (use \\\\, \\', \\\", \\n or \\t)", error_offset);
          }
          p += 2;
          continue;
        }
        token.text.push_back(ch);
        ++p;
      }
    } else {
      struct Punct {
        std::string_view text;
        Token::Kind kind;
      };
      // Two-character operators first.
      static constexpr Punct kPuncts[] = {
          {"==", Token::Kind::kEq},    {"!=", Token::Kind::kNe},    {"<=", Token::Kind::kLe},
          {">=", Token::Kind::kGe},    {"<", Token::Kind::kLt},     {">", Token::Kind::kGt},
          {"(", Token::Kind::kLParen}, {")", Token::Kind::kRParen}, {",", Token::Kind::kComma},
          {".", Token::Kind::kDot},
      };
      if (s.substr(p, 2) == "<>") return ErrorAt(p, "unexpected '<>' (write '!=')", error_offset);
      bool found = false;
      for (const Punct& punct : kPuncts) {
        if (s.substr(p, punct.text.size()) == punct.text) {
          token.kind = punct.kind;
          token.text.assign(punct.text);
          p += punct.text.size();
          found = true;
          break;
        }
      }
      if (!found) {
        if (c == '=') return ErrorAt(p, "unexpected '=' (write '==' to compare)", error_offset);
        if (c == '&' || c == '|' || c == '!') {
          return ErrorAt(p, "unexpected '" + std::string(1, c) + "' (write and, or, not)",
                         error_offset);
        }
        return ErrorAt(p, "unexpected character '" + std::string(1, c) + "'", error_offset);
      }
    }
    tokens->push_back(std::move(token));
  }
}

}  // namespace fanout::predicate_internal
