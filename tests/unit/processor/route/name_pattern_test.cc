#include "processor/route/name_pattern.h"

#include <gtest/gtest.h>

#include "processor/route/regex.h"

namespace fanout {
namespace {

bool Full(std::string_view pattern, std::string_view text) {
  Result<Regex> regex = Regex::Compile(pattern);
  EXPECT_TRUE(regex.ok()) << pattern << ": " << regex.status().ToString();
  return regex.ok() && regex->FullMatch(text);
}

std::string RegexError(std::string_view pattern) {
  Result<Regex> regex = Regex::Compile(pattern);
  return regex.ok() ? "OK" : std::string(regex.status().message());
}

TEST(RegexTest, MatchesTheWholeText) {
  EXPECT_TRUE(Full("^public\\..*", "public.customers"));
  EXPECT_FALSE(Full("^public\\..*", "xpublic.customers"));
  EXPECT_FALSE(Full("^public\\.cust", "public.customers"));  // not a prefix search
  EXPECT_TRUE(Full("^public\\.cust$", "public.cust"));
  EXPECT_FALSE(Full("^a.c", "a\nc"));  // '.' is not a newline
  EXPECT_TRUE(Full("", ""));
}

TEST(RegexTest, AlternationGroupsAndClasses) {
  EXPECT_TRUE(Full("^public\\.(customers|orders)", "public.orders"));
  EXPECT_FALSE(Full("^public\\.(customers|orders)", "public.order"));
  EXPECT_TRUE(Full("^(?:a|bc)+$", "abcbca"));
  EXPECT_TRUE(Full("^[a-c_]+", "ab_c"));
  EXPECT_FALSE(Full("^[a-c_]+", "abd"));
  EXPECT_TRUE(Full("^[^.]+\\.orders", "shop.orders"));
  EXPECT_FALSE(Full("^[^.]+\\.orders", "a.b.orders"));
  EXPECT_TRUE(Full("^\\w+\\.\\d{2,3}", "t_1.123"));
  EXPECT_FALSE(Full("^\\w+\\.\\d{2,3}", "t_1.1234"));
  EXPECT_FALSE(Full("^\\w+\\.\\d{2,3}", "t_1.1"));
  EXPECT_TRUE(Full("^a{2,}", "aaaa"));
  EXPECT_TRUE(Full("^ab?c*?", "a"));
  EXPECT_TRUE(Full("^[\\d-]+", "12-3"));
  EXPECT_TRUE(Full("^\\S\\s\\D\\W", "x 1+") == false);
  EXPECT_TRUE(Full("^\\S\\s\\D\\W", "x a+"));
}

TEST(RegexTest, PathologicalPatternsStayLinear) {
  // Exponential for a backtracking engine; a Thompson NFA does not care.
  std::string text(64, 'a');
  EXPECT_FALSE(Full("^(a*)*b", text));
  EXPECT_TRUE(Full("^(a|aa)*", text));
}

TEST(RegexTest, DfaAgreesWithTheNfa) {
  const char* patterns[] = {"^public\\..*",
                            "^(public|shop)\\.cust.*",
                            "^(a|ab)*b?$",
                            "^[^.]+\\.(x|y){1,3}",
                            "^a*$b",
                            "^(a*)*b",
                            "^\\w+\\.\\d{2,3}",
                            "^(?:a|)+c?",
                            "^.?.?a",
                            "$^",  // both anchors hold at once on the empty text only
                            "(a|$)^",
                            "^(?:$|a)(?:^|b)*"};
  const char* texts[] = {
      "",      "a",      "b",    "ab",   "aab", "public.c", "shop.customers", "x.xyx", "x.xyxy",
      "a.b.x", "t_1.12", "aaab", "a\nb", "ac",  "ba",       "public.cust",    "bba",   "aaaa"};
  for (const char* pattern : patterns) {
    Regex regex = Regex::Compile(pattern).value();
    EXPECT_TRUE(regex.has_dfa()) << pattern;
    for (const char* text : texts) {
      EXPECT_EQ(regex.FullMatch(text), regex.NfaFullMatch(text)) << pattern << " on " << text;
    }
  }
}

TEST(RegexTest, LargeAutomataFallBackToTheNfa) {
  // The DFA of "an 'a' 12 characters from the end" has 2^13 states.
  Regex regex = Regex::Compile("^(a|b)*a(a|b){12}").value();
  EXPECT_FALSE(regex.has_dfa());
  EXPECT_TRUE(regex.FullMatch("bbbabbbbbbbbbbbb"));
  EXPECT_FALSE(regex.FullMatch("bbbbabbbbbbbbbbb"));
}

TEST(RegexTest, ReportsErrorsWithPositions) {
  EXPECT_EQ(RegexError("^(ab"), "at character 5: expected ')'");
  EXPECT_EQ(RegexError("^ab)"), "at character 4: unmatched ')'");
  EXPECT_EQ(RegexError("^*"), "at character 2: nothing to repeat before '*'");
  EXPECT_EQ(RegexError("^[abc"), "at character 6: unterminated '['");
  EXPECT_EQ(RegexError("^a{3,1}"), "at character 8: repetition {n,m} with m < n");
  EXPECT_EQ(RegexError("^(?=a)"),
            "at character 3: only (?:...) groups are supported (no "
            "lookaround or named groups)");
  EXPECT_EQ(RegexError("^\\1"), "at character 2: unsupported escape '\\1'");
  EXPECT_NE(RegexError("^(a{1000}){1000}").find("too complex"), std::string::npos);
  // An empty group repeated emits nothing, so only the work bounds it (found by
  // tests/fuzz/regex_fuzz: this compiled for ~10^9 steps).
  EXPECT_EQ(RegexError("^(){1000}"), "OK");
  EXPECT_NE(RegexError("^(){1000}{1000}{1000}").find("too complex"), std::string::npos);
  // Quantifiers in a row nest, and code generation recursed through all of them: 100000 of
  // "{1}" overflowed the stack.
  std::string stacked = "^a";
  for (int i = 0; i < 100000; ++i) stacked += "{1}";
  EXPECT_EQ(RegexError(stacked), "at character 195: too many quantifiers in a row");
  EXPECT_EQ(RegexError("^a{1}{1}*+?"), "OK");
}

TEST(GlobTest, StarAndQuestionMark) {
  EXPECT_TRUE(GlobMatches("public.*", "public.customers"));
  EXPECT_FALSE(GlobMatches("public.*", "inventory.customers"));
  EXPECT_TRUE(GlobMatches("*.orders", "shop.orders"));
  EXPECT_FALSE(GlobMatches("*.orders", "shop.orders_archive"));
  EXPECT_TRUE(GlobMatches("*", ""));
  EXPECT_TRUE(GlobMatches("p?blic.*s", "public.orders"));
  EXPECT_FALSE(GlobMatches("p?blic.*s", "pblic.orders"));
  EXPECT_TRUE(GlobMatches("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(GlobMatches("*a*b*", "xxbxxaxx"));
  EXPECT_FALSE(GlobMatches("Public.*", "public.x"));  // case-sensitive
}

TEST(NamePatternTest, ChoosesTheKindFromTheText) {
  EXPECT_EQ(NamePattern::Compile("public.customers")->kind(), NamePattern::Kind::kExact);
  EXPECT_EQ(NamePattern::Compile("public.*")->kind(), NamePattern::Kind::kGlob);
  EXPECT_EQ(NamePattern::Compile("^public\\..*")->kind(), NamePattern::Kind::kRegex);
  EXPECT_TRUE(NamePattern::Compile("public.customers")->Matches("public.customers"));
  EXPECT_FALSE(NamePattern::Compile("public.customers")->Matches("public.customers2"));
  EXPECT_FALSE(NamePattern::Compile("").ok());
}

TEST(NameMatcherTest, AnyPatternMatchesAndEmptyMatchesAll) {
  NameMatcher any = NameMatcher::Compile({}, "tables").value();
  EXPECT_TRUE(any.Matches("whatever"));
  NameMatcher matcher =
      NameMatcher::Compile({"^inv\\.(a|b)", "x.*", "exact.one"}, "tables").value();
  EXPECT_TRUE(matcher.Matches("inv.a"));
  EXPECT_TRUE(matcher.Matches("x.y"));
  EXPECT_TRUE(matcher.Matches("exact.one"));
  EXPECT_FALSE(matcher.Matches("inv.c"));
  Result<NameMatcher> bad = NameMatcher::Compile({"a.b", "^(x"}, "topics");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "topics[1]: bad regex '^(x': at character 4: expected ')'");
}

}  // namespace
}  // namespace fanout
