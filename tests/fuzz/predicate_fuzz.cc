// libFuzzer target for `when:` predicates (processor/route/predicate*.cc): lexer, parser and
// evaluation. CompilePredicate of any text, then Evaluate against every event of fuzz_events.h
// and the record decoded from the input. Build and run: tests/fuzz/README.md.
//
// Input: the predicate text, optionally followed by a NUL byte and a Debezium record value (and
// another NUL and its key) to evaluate against as well.
//
// Aborts when
//   - a compile error is not InvalidArgument "at character N: ..." with N - 1 the reported
//     offset, at most the text's length (the end of the text is a position too);
//   - a predicate evaluates differently twice, or through a copy;
//   - `not (P)` does not compile for a P that does (unless that nests one level too deep), or
//     does not evaluate to the opposite of P on every event;
//   - `(P) and (P)` does not evaluate like P.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "processor/route/predicate.h"
#include "tests/fuzz/fuzz_events.h"

namespace {

using fanout::ChangeEvent;
using fanout::Predicate;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fanout::fuzz::Input input = fanout::fuzz::SplitInput(data, size);
  const std::string_view text = input.expression;

  std::size_t offset = static_cast<std::size_t>(-1);
  fanout::Result<Predicate> compiled = fanout::CompilePredicate(text, &offset);
  if (!compiled.ok()) {
    Check(compiled.status().code() == fanout::StatusCode::kInvalidArgument);
    Check(offset <= text.size());
    Check(StartsWith(compiled.status().message(),
                     "at character " + std::to_string(offset + 1) + ": "));
    return 0;
  }
  const Predicate& predicate = *compiled;
  const bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
  Check(predicate.always_true() == blank);
  if (!blank) Check(predicate.text() == text);

  fanout::Result<Predicate> negated = fanout::CompilePredicate("not (" + std::string(text) + ")");
  if (!blank && !negated.ok()) {
    Check(negated.status().message().find("nested too deeply") != std::string_view::npos);
  }
  fanout::Result<Predicate> twice =
      fanout::CompilePredicate("(" + std::string(text) + ") and (" + std::string(text) + ")");
  if (!blank && !twice.ok()) {
    Check(twice.status().message().find("nested too deeply") != std::string_view::npos);
  }
  const Predicate copy = predicate;  // NOLINT(performance-unnecessary-copy-initialization)

  auto evaluate_all = [&](const ChangeEvent& event) {
    const bool result = predicate.Evaluate(event);
    Check(predicate.Evaluate(event) == result);
    Check(copy.Evaluate(event) == result);
    if (blank) {
      Check(result);
      return;
    }
    if (negated.ok()) Check(negated->Evaluate(event) == !result);
    if (twice.ok()) Check(twice->Evaluate(event) == result);
  };
  for (const ChangeEvent& event : fanout::fuzz::FixedEvents()) evaluate_all(event);
  ChangeEvent decoded;
  if (fanout::fuzz::DecodeEvent(input.value, input.key, &decoded)) evaluate_all(decoded);
  return 0;
}
