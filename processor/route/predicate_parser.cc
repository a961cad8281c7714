// CompilePredicate: recursive descent over the tokens of predicate_lexer.h, building the flat
// node vector of Predicate::Impl. Precedence: not > and > or (see README.md for the EBNF).
#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "processor/route/predicate.h"
#include "processor/route/predicate_lexer.h"

namespace fanout {
namespace {

using predicate_internal::Describe;
using predicate_internal::Token;
using Node = Predicate::Node;
using Operand = Predicate::Operand;

// Expressions nested deeper than this are rejected rather than risking the stack.
constexpr int kMaxDepth = 100;
// Nor may a chain of and/or grow without bound: it is a left-deep tree, which Evaluate walks
// recursively, one level per operator (a `when:` of ~25000 `and`s overflowed the stack).
constexpr std::size_t kMaxNodes = 4096;

bool IsKeyword(const Token& token, std::string_view keyword) {
  if (token.kind != Token::Kind::kIdent || token.quoted || token.text.size() != keyword.size()) {
    return false;
  }
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    char c = token.text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != keyword[i]) return false;
  }
  return true;
}

bool IsReserved(const Token& token) {
  for (std::string_view keyword : {"and", "or", "not", "in", "true", "false", "null"}) {
    if (IsKeyword(token, keyword)) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, Predicate::Impl* impl, std::size_t* error_offset)
      : tokens_(std::move(tokens)), impl_(*impl), error_offset_(*error_offset) {}

  Status Parse() {
    std::uint32_t root = 0;
    FANOUT_RETURN_IF_ERROR(ParseOr(0, &root));
    if (Peek().kind != Token::Kind::kEnd) {
      return Error("expected 'and', 'or' or the end, found " + Describe(Peek()));
    }
    impl_.root = root;
    return Status::Ok();
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }

  Status Error(std::string_view what) const { return ErrorAt(Peek(), what); }
  Status ErrorAt(const Token& token, std::string_view what) const {
    error_offset_ = token.pos;
    return InvalidArgument("at character " + std::to_string(token.pos + 1) + ": " +
                           std::string(what));
  }
  Status Expect(Token::Kind kind, std::string_view name) {
    if (Peek().kind != kind) {
      return Error("expected '" + std::string(name) + "', found " + Describe(Peek()));
    }
    Take();
    return Status::Ok();
  }

  std::uint32_t AddNode(Node node) {
    impl_.nodes.push_back(node);
    return static_cast<std::uint32_t>(impl_.nodes.size() - 1);
  }
  std::uint32_t AddOperand(Operand operand) {
    impl_.operands.push_back(std::move(operand));
    return static_cast<std::uint32_t>(impl_.operands.size() - 1);
  }

  Status ParseOr(int depth, std::uint32_t* out) {
    if (depth > kMaxDepth) return Error("expression nested too deeply");
    FANOUT_RETURN_IF_ERROR(ParseAnd(depth, out));
    while (IsKeyword(Peek(), "or")) {
      if (impl_.nodes.size() >= kMaxNodes) return Error("expression too long");
      Take();
      std::uint32_t right = 0;
      FANOUT_RETURN_IF_ERROR(ParseAnd(depth, &right));
      *out = AddNode({.kind = Node::Kind::kOr, .a = *out, .b = right});
    }
    return Status::Ok();
  }

  Status ParseAnd(int depth, std::uint32_t* out) {
    FANOUT_RETURN_IF_ERROR(ParseNot(depth, out));
    while (IsKeyword(Peek(), "and")) {
      if (impl_.nodes.size() >= kMaxNodes) return Error("expression too long");
      Take();
      std::uint32_t right = 0;
      FANOUT_RETURN_IF_ERROR(ParseNot(depth, &right));
      *out = AddNode({.kind = Node::Kind::kAnd, .a = *out, .b = right});
    }
    return Status::Ok();
  }

  Status ParseNot(int depth, std::uint32_t* out) {
    if (IsKeyword(Peek(), "not")) {
      if (depth > kMaxDepth) return Error("expression nested too deeply");
      Take();
      std::uint32_t child = 0;
      FANOUT_RETURN_IF_ERROR(ParseNot(depth + 1, &child));
      *out = AddNode({.kind = Node::Kind::kNot, .a = child});
      return Status::Ok();
    }
    return ParsePrimary(depth, out);
  }

  Status ParsePrimary(int depth, std::uint32_t* out) {
    const Token& token = Peek();
    if (token.kind == Token::Kind::kLParen) {
      Take();
      FANOUT_RETURN_IF_ERROR(ParseOr(depth + 1, out));
      return Expect(Token::Kind::kRParen, ")");
    }
    const bool call = Peek(1).kind == Token::Kind::kLParen;
    if (call && IsKeyword(token, "exists")) return ParseExists(out);
    if (call && IsKeyword(token, "changed")) return ParseChanged(out);
    if (call && token.kind == Token::Kind::kIdent && !token.quoted) {
      return Error("unknown function '" + token.text + "' (expected exists or changed)");
    }
    return ParseComparison(out);
  }

  Status ParseExists(std::uint32_t* out) {
    Take();  // exists
    Take();  // (
    const Token& at = Peek();
    std::uint32_t operand = 0;
    FANOUT_RETURN_IF_ERROR(ParseOperand(&operand));
    const Operand& parsed = impl_.operands[operand];
    if (parsed.is_literal || !parsed.field.is_column()) {
      return ErrorAt(at, "exists() takes a column (after.x, before.x, key.x or x)");
    }
    FANOUT_RETURN_IF_ERROR(Expect(Token::Kind::kRParen, ")"));
    *out = AddNode({.kind = Node::Kind::kExists, .a = operand});
    return Status::Ok();
  }

  Status ParseChanged(std::uint32_t* out) {
    Take();  // changed
    Take();  // (
    const auto first = static_cast<std::uint32_t>(impl_.columns.size());
    while (true) {
      const Token& name = Peek();
      if (name.kind != Token::Kind::kIdent) {
        return Error("expected a column name in changed(), found " + Describe(name));
      }
      if (Peek(1).kind == Token::Kind::kDot) {
        return ErrorAt(Peek(1), "changed() takes bare column names (it compares before and after)");
      }
      impl_.columns.push_back(Take().text);
      if (Peek().kind != Token::Kind::kComma) break;
      Take();
    }
    FANOUT_RETURN_IF_ERROR(Expect(Token::Kind::kRParen, ")"));
    *out = AddNode({.kind = Node::Kind::kChanged,
                    .first = first,
                    .count = static_cast<std::uint32_t>(impl_.columns.size()) - first});
    return Status::Ok();
  }

  static std::optional<CompareOp> ComparisonOf(Token::Kind kind) {
    switch (kind) {
      case Token::Kind::kEq:
        return CompareOp::kEq;
      case Token::Kind::kNe:
        return CompareOp::kNe;
      case Token::Kind::kLt:
        return CompareOp::kLt;
      case Token::Kind::kLe:
        return CompareOp::kLe;
      case Token::Kind::kGt:
        return CompareOp::kGt;
      case Token::Kind::kGe:
        return CompareOp::kGe;
      default:
        return std::nullopt;
    }
  }

  Status ParseComparison(std::uint32_t* out) {
    std::uint32_t left = 0;
    FANOUT_RETURN_IF_ERROR(ParseOperand(&left));
    if (std::optional<CompareOp> op = ComparisonOf(Peek().kind)) {
      Take();
      std::uint32_t right = 0;
      FANOUT_RETURN_IF_ERROR(ParseOperand(&right));
      *out = AddNode({.kind = Node::Kind::kCompare, .op = *op, .a = left, .b = right});
      return Status::Ok();
    }
    bool negate = false;
    if (IsKeyword(Peek(), "not") && IsKeyword(Peek(1), "in")) {
      Take();
      negate = true;
    }
    if (IsKeyword(Peek(), "in")) {
      Take();
      FANOUT_RETURN_IF_ERROR(ParseInList(left, out));
      if (negate) *out = AddNode({.kind = Node::Kind::kNot, .a = *out});
      return Status::Ok();
    }
    // A lone true/false is a constant predicate; any other lone operand is a mistake.
    const Operand& parsed = impl_.operands[left];
    if (parsed.is_literal && parsed.literal.type == Scalar::Type::kBool) {
      *out = AddNode({.kind = Node::Kind::kConst, .value = parsed.literal.b});
      return Status::Ok();
    }
    return Error("expected a comparison (==, !=, <, <=, >, >=, in), found " + Describe(Peek()));
  }

  Status ParseInList(std::uint32_t left, std::uint32_t* out) {
    FANOUT_RETURN_IF_ERROR(Expect(Token::Kind::kLParen, "("));
    const auto first = static_cast<std::uint32_t>(impl_.operands.size());
    while (true) {
      const Token& at = Peek();
      std::uint32_t item = 0;
      FANOUT_RETURN_IF_ERROR(ParseOperand(&item));
      if (!impl_.operands[item].is_literal) return ErrorAt(at, "an 'in' list holds literals only");
      if (Peek().kind != Token::Kind::kComma) break;
      Take();
    }
    FANOUT_RETURN_IF_ERROR(Expect(Token::Kind::kRParen, ")"));
    *out = AddNode({.kind = Node::Kind::kIn,
                    .a = left,
                    .first = first,
                    .count = static_cast<std::uint32_t>(impl_.operands.size()) - first});
    return Status::Ok();
  }

  Status ParseNumber(const Token& token, Scalar* out) {
    const std::string& text = token.text;
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && ptr == text.data() + text.size()) {
      *out = Scalar{.type = Scalar::Type::kInt, .i = value};
      return Status::Ok();
    }
    // A fraction, an exponent or beyond int64: exact decimal text, plus its nearest double for
    // comparisons with double columns.
    DecimalView decimal;
    if (!ParseDecimal(text, &decimal)) return ErrorAt(token, "bad number '" + text + "'");
    double approx = 0;
    auto [dptr, dec] = std::from_chars(text.data(), text.data() + text.size(), approx);
    if (dec == std::errc::result_out_of_range) {
      approx = decimal.exponent > 0
                   ? (decimal.negative ? -1 : 1) * std::numeric_limits<double>::infinity()
                   : 0.0;
    }
    (void)dptr;
    impl_.texts.push_back(text);
    *out = Scalar{.type = Scalar::Type::kDecimal, .d = approx, .text = impl_.texts.back()};
    return Status::Ok();
  }

  Status ParseOperand(std::uint32_t* out) {
    const Token& token = Peek();
    Operand operand;
    switch (token.kind) {
      case Token::Kind::kString:
        impl_.texts.push_back(token.text);
        operand.is_literal = true;
        operand.literal = Scalar::String(impl_.texts.back());
        Take();
        break;
      case Token::Kind::kNumber:
        operand.is_literal = true;
        FANOUT_RETURN_IF_ERROR(ParseNumber(token, &operand.literal));
        Take();
        break;
      case Token::Kind::kIdent:
        if (IsKeyword(token, "true") || IsKeyword(token, "false")) {
          operand.is_literal = true;
          operand.literal = Scalar{.type = Scalar::Type::kBool, .b = IsKeyword(token, "true")};
          Take();
        } else if (IsKeyword(token, "null")) {
          operand.is_literal = true;
          operand.literal = Scalar::Null();
          Take();
        } else if (IsReserved(token)) {
          return Error("expected a field or a literal, found " + Describe(token) +
                       " (quote a column with that name in backticks)");
        } else {
          FANOUT_RETURN_IF_ERROR(ParseField(&operand.field));
        }
        break;
      default:
        return Error("expected a field or a literal, found " + Describe(token));
    }
    *out = AddOperand(std::move(operand));
    return Status::Ok();
  }

  Status ParseField(FieldRef* out) {
    const Token& head = Take();
    if (head.quoted) {  // `name` is always a bare column
      *out = FieldRef{.source = FieldSource::kColumn, .column = head.text};
      return Status::Ok();
    }
    std::string text = head.text;
    if (Peek().kind == Token::Kind::kDot) {
      Take();
      const Token& column = Peek();
      if (column.kind != Token::Kind::kIdent) {
        return Error("expected a column name after '" + head.text + ".', found " +
                     Describe(column));
      }
      Take();
      Result<FieldRef> prefixed = ParseFieldRef(head.text + ".x");
      if (!prefixed.ok()) return ErrorAt(head, prefixed.status().message());
      *out = FieldRef{.source = prefixed->source, .column = column.text};
      return Status::Ok();
    }
    Result<FieldRef> field = ParseFieldRef(text);
    if (!field.ok()) return ErrorAt(head, field.status().message());
    *out = std::move(field).value();
    return Status::Ok();
  }

  std::vector<Token> tokens_;
  std::size_t next_ = 0;
  Predicate::Impl& impl_;
  std::size_t& error_offset_;
};

}  // namespace

Result<Predicate> CompilePredicate(std::string_view text, std::size_t* error_offset) {
  std::size_t ignored = 0;
  std::size_t& offset = error_offset != nullptr ? *error_offset : ignored;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return Predicate();
  std::vector<Token> tokens;
  FANOUT_RETURN_IF_ERROR(predicate_internal::Tokenize(text, &tokens, &offset));
  auto impl = std::make_shared<Predicate::Impl>();
  impl->text.assign(text);
  Parser parser(std::move(tokens), impl.get(), &offset);
  FANOUT_RETURN_IF_ERROR(parser.Parse());
  return Predicate(std::move(impl));
}

}  // namespace fanout
