// The tokens of a `when:` predicate. Internal to processor/route (used by predicate_parser.cc).
#ifndef FANOUT_PROCESSOR_ROUTE_PREDICATE_LEXER_H_
#define FANOUT_PROCESSOR_ROUTE_PREDICATE_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"

namespace fanout::predicate_internal {

struct Token {
  enum class Kind : std::uint8_t {
    kIdent,   // name or keyword; `quoted` when written in backticks (then never a keyword)
    kString,  // 'text' or "text"; `text` holds the decoded value
    kNumber,  // -?digits[.digits][e[+-]digits]; `text` as written
    kDot,
    kComma,
    kLParen,
    kRParen,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kEnd,
  };
  Kind kind = Kind::kEnd;
  std::size_t pos = 0;  // 0-based byte offset in the source
  std::string text;
  bool quoted = false;
};

// Splits `source` into tokens ending with kEnd. On a lexical error returns InvalidArgument
// "at character N: ..." and sets *error_offset (0-based).
Status Tokenize(std::string_view source, std::vector<Token>* tokens, std::size_t* error_offset);

// Human name of a token for "expected X, found Y" messages.
std::string Describe(const Token& token);

}  // namespace fanout::predicate_internal

#endif  // FANOUT_PROCESSOR_ROUTE_PREDICATE_LEXER_H_
