// Predicate: a compiled `when:` expression, evaluated against ChangeEvents.
//
// Compiled once (CompilePredicate) into a flat tree of nodes whose operands are pre-resolved
// field references and pre-parsed literals, so evaluation does no parsing and no allocation:
// it looks columns up by name in the event's rows and compares views. The grammar and the
// comparison rules are in processor/route/README.md (and scalar.h, field_ref.h).
//
// A Predicate is an immutable handle to shared compiled state: cheap to copy, and Evaluate is
// safe to call from any number of threads at once.
#ifndef FANOUT_PROCESSOR_ROUTE_PREDICATE_H_
#define FANOUT_PROCESSOR_ROUTE_PREDICATE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/status.h"
#include "processor/route/field_ref.h"
#include "processor/route/scalar.h"

namespace fanout {

class Predicate {
 public:
  // Always true (what an empty `when:` means).
  Predicate() = default;

  bool Evaluate(const ChangeEvent& event) const;

  bool always_true() const { return impl_ == nullptr; }
  // The source text it was compiled from ("" when always true).
  std::string_view text() const;

  // The compiled form; public so the parser (predicate_parser.cc) can build it.
  struct Operand {
    bool is_literal = false;
    FieldRef field;  // when !is_literal
    Scalar literal;  // when is_literal; text views point into Impl::texts
  };
  struct Node {
    enum class Kind : std::uint8_t {
      kConst,    // value
      kAnd,      // a && b (node indices)
      kOr,       // a || b
      kNot,      // !a
      kCompare,  // operand a <op> operand b
      kIn,       // operand a == any of operands [first, first + count)
      kExists,   // operand a (a column) present and not null
      kChanged,  // any of columns [first, first + count) differs between before and after
    };
    Kind kind = Kind::kConst;
    CompareOp op = CompareOp::kEq;
    bool value = true;
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  struct Impl {
    std::string text;
    std::vector<Node> nodes;
    std::vector<Operand> operands;
    std::vector<std::string> columns;  // kChanged column names
    std::deque<std::string> texts;     // literal strings; a deque so views stay valid
    std::uint32_t root = 0;
  };
  explicit Predicate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  bool EvaluateNode(std::uint32_t index, const ChangeEvent& event) const;
  Scalar EvaluateOperand(std::uint32_t index, const ChangeEvent& event) const;

  std::shared_ptr<const Impl> impl_;  // null: always true
};

// Compiles `when:` source text. Empty (or all-blank) text is always true. On a syntax error:
// InvalidArgument "at character N: <what was expected>", N being the 1-based byte position in
// `text`; when `error_offset` is given it receives the 0-based byte offset, so configuration
// can turn it into file:line:col.
Result<Predicate> CompilePredicate(std::string_view text, std::size_t* error_offset = nullptr);

// `changed(col, ...)` for one event, exposed for sinks that want the same rule: true when either
// image is absent (an insert, a delete, a snapshot read, or an update without a before image,
// e.g. PostgreSQL REPLICA IDENTITY DEFAULT), or when a listed column differs between the images.
// A column that is unchanged TOAST in either image has not changed; a column in only one image
// has changed; a column in neither has not.
bool ColumnsChanged(const ChangeEvent& event, const std::vector<std::string>& columns,
                    std::size_t first, std::size_t count);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_PREDICATE_H_
