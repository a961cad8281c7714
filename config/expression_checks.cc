#include "config/expression_checks.h"

#include <regex>
#include <string>

#include "processor/route/name_pattern.h"
#include "processor/route/predicate.h"
#include "processor/route/route_spec.h"
#include "processor/route/template.h"

namespace fanout::config {
namespace {

// Runs a compiler that reports a byte offset, turning "no offset" into nullopt.
template <typename Compile>
Status WithOffset(Compile compile, std::optional<std::size_t>* error_offset) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t offset = kNone;
  Status status = compile(&offset);
  if (!status.ok() && offset != kNone && error_offset != nullptr) *error_offset = offset;
  return status;
}

}  // namespace

Status CheckSubscription(std::string_view text) {
  if (text.empty()) return InvalidArgument("a topic cannot be empty");
  if (text.front() != '^') return Status();
  // std::regex compiles recursively, a level per term and per group: a pattern of some 100 KB
  // (or 40 KB of nested groups) overflowed the stack of `fanout validate`.
  constexpr std::size_t kMaxRegex = 4096;
  if (text.size() > kMaxRegex) {
    return InvalidArgument("a topic regex longer than " + std::to_string(kMaxRegex) +
                           " bytes is not accepted");
  }
  try {  // control plane: std::regex reports a bad pattern by throwing
    std::regex pattern{std::string(text), std::regex::extended};
  } catch (const std::regex_error& e) {
    return InvalidArgument(std::string("invalid regular expression: ") + e.what());
  }
  return Status();
}

Status CheckPattern(std::string_view text) { return NamePattern::Compile(text).status(); }

Status CheckTablePattern(std::string_view text) { return fanout::CheckTablePattern(text); }

Status CheckTemplate(std::string_view text, std::optional<std::size_t>* error_offset) {
  return WithOffset([&](std::size_t* offset) { return CompileTemplate(text, offset).status(); },
                    error_offset);
}

Status CheckPredicate(std::string_view text, std::optional<std::size_t>* error_offset) {
  return WithOffset([&](std::size_t* offset) { return CompilePredicate(text, offset).status(); },
                    error_offset);
}

Status CheckOp(std::string_view text) { return ParseOpName(text).status(); }

}  // namespace fanout::config
