// libFuzzer target for the route patterns: the regex engine (processor/route/regex.cc,
// regex_dfa.cc), globs and NamePattern (name_pattern.cc). Build and run: tests/fuzz/README.md.
//
// Input: a pattern, then NUL-separated texts to match it against (none: a few fixed names and
// the pattern itself).
//
// Aborts when
//   - a compile error is not InvalidArgument ("at character N: ..." or "pattern too complex");
//   - the DFA (FullMatch) and the NFA simulation (NfaFullMatch) disagree on a text;
//   - for a short pattern of printable ASCII without the constructs whose meaning differs from
//     ECMAScript (see ReferenceComparable), std::regex_match disagrees;
//   - GlobMatches disagrees with a dynamic-programming reference matcher;
//   - NamePattern::Compile/Matches disagrees with the regex, glob or exact rule it picked.
// A pattern that takes long to compile or match shows as a libFuzzer timeout.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "processor/route/name_pattern.h"
#include "processor/route/regex.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// '*' any run, '?' one character, everything else literal: O(|glob| * |name|) table.
bool ReferenceGlob(std::string_view glob, std::string_view name) {
  std::vector<char> row(name.size() + 1, 0);  // row[j]: glob[0..i) matches name[0..j)
  row[0] = 1;
  for (char g : glob) {
    std::vector<char> next(name.size() + 1, 0);
    next[0] = g == '*' && row[0];
    for (std::size_t j = 1; j <= name.size(); ++j) {
      if (g == '*') {
        next[j] = row[j] || next[j - 1];
      } else {
        next[j] = row[j - 1] && (g == '?' || g == name[j - 1]);
      }
    }
    row.swap(next);
  }
  return row[name.size()] != 0;
}

bool PrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Whether our engine and std::regex (ECMAScript) are meant to agree on `pattern`: printable
// ASCII, and without '[' (a leading ']' or '-' in a class, class escapes in ranges: this
// engine's classes are more permissive) or '{' (std::regex accepts forms this engine rejects).
// Texts are checked for printable ASCII too, so '.' (no '\r' for std::regex) cannot differ.
// std::regex backtracks, exponentially in nested quantifiers: short patterns with at most two
// quantifiers, none applied to a group or to another quantifier, and short texts
// (kReferenceText).
bool ReferenceComparable(std::string_view pattern) {
  if (pattern.size() > 12 || !PrintableAscii(pattern) ||
      pattern.find_first_of("[{") != std::string_view::npos) {
    return false;
  }
  int quantifiers = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c != '*' && c != '+' && c != '?') continue;
    if (i > 0 && pattern[i - 1] == '(') continue;  // "(?:", not a quantifier
    ++quantifiers;
    if (i > 0 && std::string_view("*+?)").find(pattern[i - 1]) != std::string_view::npos) {
      return false;
    }
  }
  return quantifiers <= 2;
}
constexpr std::size_t kReferenceText = 12;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = all.find('\0');
  const std::string_view pattern = all.substr(0, nul);
  std::vector<std::string_view> texts;
  if (nul == std::string_view::npos) {
    texts = {"", "public.customers", "inventory.public.orders", "a", "aaaaaaaaaaaaaaaab", pattern};
  } else {
    std::string_view rest = all.substr(nul + 1);
    while (texts.size() < 16) {
      const std::size_t end = rest.find('\0');
      texts.push_back(rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }

  fanout::Result<fanout::Regex> regex = fanout::Regex::Compile(pattern);
  if (!regex.ok()) {
    Check(regex.status().code() == fanout::StatusCode::kInvalidArgument);
    Check(StartsWith(regex.status().message(), "at character ") ||
          StartsWith(regex.status().message(), "pattern too complex"));
  } else {
    std::optional<std::regex> reference;
    if (ReferenceComparable(pattern)) {
      try {  // std::regex reports patterns it cannot take by throwing
        reference.emplace(std::string(pattern), std::regex::ECMAScript);
      } catch (const std::regex_error&) {
      }
    }
    for (std::string_view text : texts) {
      const bool full = regex->FullMatch(text);
      Check(full == regex->NfaFullMatch(text));
      if (reference && text.size() <= kReferenceText && PrintableAscii(text)) {
        Check(full == std::regex_match(text.begin(), text.end(), *reference));
      }
    }
  }

  for (std::string_view text : texts)
    Check(fanout::GlobMatches(pattern, text) == ReferenceGlob(pattern, text));

  fanout::Result<fanout::NamePattern> name = fanout::NamePattern::Compile(pattern);
  if (pattern.empty()) {
    Check(!name.ok());
    return 0;
  }
  if (pattern.front() == '^') {
    Check(name.ok() == regex.ok());
    if (!name.ok()) return 0;
    Check(name->kind() == fanout::NamePattern::Kind::kRegex);
    for (std::string_view text : texts) Check(name->Matches(text) == regex->FullMatch(text));
    return 0;
  }
  Check(name.ok());
  const bool glob = pattern.find_first_of("*?") != std::string_view::npos;
  Check(name->kind() ==
        (glob ? fanout::NamePattern::Kind::kGlob : fanout::NamePattern::Kind::kExact));
  for (std::string_view text : texts) {
    Check(name->Matches(text) == (glob ? ReferenceGlob(pattern, text) : text == pattern));
  }
  return 0;
}
