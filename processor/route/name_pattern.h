// NamePattern and NameMatcher: how routes match a qualified table ("schema.table") or a topic.
//
// A pattern is one of
//   - a regex, when it starts with '^': the ECMAScript subset of processor/route/regex.h,
//     compiled once, and it must match the WHOLE name (like Debezium's include lists; a trailing
//     '$' is allowed but not needed);
//   - a glob, when it contains '*' (any run of characters, including none and including '.') or
//     '?' (exactly one character); every other character is literal, matching is case-sensitive;
//   - otherwise an exact name.
// Compiled patterns are immutable; matching is const, allocation-free and safe from any thread.
#ifndef FANOUT_PROCESSOR_ROUTE_NAME_PATTERN_H_
#define FANOUT_PROCESSOR_ROUTE_NAME_PATTERN_H_

#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"
#include "processor/route/regex.h"

namespace fanout {

class NamePattern {
 public:
  enum class Kind : std::uint8_t { kExact, kGlob, kRegex };

  // InvalidArgument for an empty pattern or a regex that does not compile ("at character N: ...",
  // N counted from the start of the pattern including its '^').
  static Result<NamePattern> Compile(std::string_view pattern);

  bool Matches(std::string_view name) const;

  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }

 private:
  Kind kind_ = Kind::kExact;
  std::string text_;  // the pattern as written
  Regex regex_;       // kRegex only
};

// A route's table pattern: NamePattern::Compile, plus the rule that an exact name must be
// qualified ("schema.table"), because Debezium always qualifies and "customers" alone would
// silently never match. InvalidArgument with a hint otherwise.
Status CheckTablePattern(std::string_view pattern);

// Glob match of `name` against `glob` ('*' and '?'; everything else literal). Linear time.
bool GlobMatches(std::string_view glob, std::string_view name);

// Any of several patterns. An empty matcher matches every name.
class NameMatcher {
 public:
  NameMatcher() = default;

  // `what` names the field in errors ("tables", "topics"): "tables[2]: ...".
  static Result<NameMatcher> Compile(const std::vector<std::string>& patterns,
                                     std::string_view what);

  bool empty() const { return patterns_.empty(); }
  const std::vector<NamePattern>& patterns() const { return patterns_; }
  bool Matches(std::string_view name) const;

 private:
  // Cheap kinds first (exact, then globs, then regexes) so a match is usually found early.
  std::vector<NamePattern> patterns_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_NAME_PATTERN_H_
