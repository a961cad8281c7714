#include "processor/route/name_pattern.h"

#include <algorithm>
#include <string>
#include <utility>

namespace fanout {

Status CheckTablePattern(std::string_view pattern) {
  FANOUT_RETURN_IF_ERROR(NamePattern::Compile(pattern).status());
  if (pattern.front() != '^' && pattern.find_first_of(".*?") == std::string_view::npos) {
    return InvalidArgument("'" + std::string(pattern) +
                           "' is not qualified; write 'schema.table' (or '*." +
                           std::string(pattern) + "')");
  }
  return Status();
}

bool GlobMatches(std::string_view glob, std::string_view name) {
  // Classic greedy matching with one backtrack point (the last '*'): linear in practice and
  // never worse than O(|glob| * |name|).
  std::size_t g = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_n = 0;
  while (n < name.size()) {
    if (g < glob.size() && (glob[g] == '?' || (glob[g] != '*' && glob[g] == name[n]))) {
      ++g;
      ++n;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      star_n = n;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

Result<NamePattern> NamePattern::Compile(std::string_view pattern) {
  if (pattern.empty()) return InvalidArgument("empty pattern");
  NamePattern compiled;
  compiled.text_.assign(pattern);
  if (pattern.front() == '^') {
    Result<Regex> regex = Regex::Compile(pattern);
    if (!regex.ok()) {
      return InvalidArgument("bad regex '" + std::string(pattern) +
                             "': " + std::string(regex.status().message()));
    }
    compiled.kind_ = Kind::kRegex;
    compiled.regex_ = std::move(regex).value();
  } else if (pattern.find_first_of("*?") != std::string_view::npos) {
    compiled.kind_ = Kind::kGlob;
  }
  return compiled;
}

bool NamePattern::Matches(std::string_view name) const {
  switch (kind_) {
    case Kind::kExact:
      return name == text_;
    case Kind::kGlob:
      return GlobMatches(text_, name);
    case Kind::kRegex:
      return regex_.FullMatch(name);
  }
  return false;
}

Result<NameMatcher> NameMatcher::Compile(const std::vector<std::string>& patterns,
                                         std::string_view what) {
  NameMatcher matcher;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    Result<NamePattern> pattern = NamePattern::Compile(patterns[i]);
    if (!pattern.ok()) {
      return InvalidArgument(std::string(what) + "[" + std::to_string(i) +
                             "]: " + std::string(pattern.status().message()));
    }
    matcher.patterns_.push_back(std::move(pattern).value());
  }
  std::stable_sort(matcher.patterns_.begin(), matcher.patterns_.end(),
                   [](const NamePattern& a, const NamePattern& b) { return a.kind() < b.kind(); });
  return matcher;
}

bool NameMatcher::Matches(std::string_view name) const {
  if (patterns_.empty()) return true;
  for (const NamePattern& pattern : patterns_) {
    if (pattern.Matches(name)) return true;
  }
  return false;
}

}  // namespace fanout
