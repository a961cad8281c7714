// Regex: a small, linear-time regular-expression engine for table and topic patterns.
//
// Why not std::regex: it reports bad patterns by throwing, and this code uses no exceptions; it
// is also slow and may recurse deeply. Patterns here are short and matched against short names,
// so a Thompson NFA (Pike VM without captures) is simple, bounded and fast.
//
// Supported (an ECMAScript subset): literals; '.' (any character but '\n'); classes [abc],
// [a-z], [^...] with \d \w \s inside; escapes \d \D \w \W \s \S \t \n \r and '\' before any
// punctuation; groups (...) and (?:...); alternation '|'; quantifiers * + ? {n} {n,} {n,m}
// (a trailing '?' for laziness is accepted and changes nothing, since only a yes/no answer is
// computed); anchors '^' and '$'. Not supported (rejected with a message): backreferences,
// lookaround, \b, named groups, flags. Matching is byte-wise and case-sensitive.
//
// Compile also builds a DFA from the NFA (regex_dfa.cc) when it stays small (kMaxDfaStates), so
// a match is one table lookup per character; larger automata fall back to simulating the NFA.
//
// Immutable after Compile; FullMatch is const, allocation-free and safe from any thread.
#ifndef FANOUT_PROCESSOR_ROUTE_REGEX_H_
#define FANOUT_PROCESSOR_ROUTE_REGEX_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

#include "processor/core/status.h"

namespace fanout {

class Regex {
 public:
  // The largest compiled program accepted; counted repetitions are expanded, so "a{1000}" is
  // rejected rather than making every match slow.
  static constexpr std::size_t kMaxProgram = 1024;
  // The largest DFA built; beyond it FullMatch simulates the NFA.
  static constexpr std::size_t kMaxDfaStates = 512;

  // InvalidArgument "at character N: <reason>" (N is 1-based) for a pattern it cannot compile.
  static Result<Regex> Compile(std::string_view pattern);

  // True when the whole of `text` matches.
  bool FullMatch(std::string_view text) const;
  // The NFA simulation alone (what FullMatch does without a DFA); for tests.
  bool NfaFullMatch(std::string_view text) const;
  bool has_dfa() const { return !dfa_next_.empty(); }

  struct Inst {
    enum class Op : std::uint8_t { kChar, kAny, kClass, kSplit, kJmp, kBegin, kEnd, kMatch };
    Op op = Op::kMatch;
    unsigned char ch = 0;
    std::uint16_t x = 0;  // kClass: class index; kSplit/kJmp: target
    std::uint16_t y = 0;  // kSplit: second target
  };

 private:
  // Fills the dfa_ members, or leaves them empty when the DFA would exceed kMaxDfaStates.
  void BuildDfa();

  std::vector<Inst> program_;
  std::vector<std::bitset<256>> classes_;
  // DFA: state s on byte b goes to dfa_next_[s * dfa_classes_ + dfa_byte_class_[b]]; state 0
  // is dead (no match possible), dfa_start_ the initial state.
  std::vector<std::uint16_t> dfa_next_;
  std::vector<bool> dfa_accept_;
  std::array<std::uint8_t, 256> dfa_byte_class_{};
  std::size_t dfa_classes_ = 0;
  std::uint16_t dfa_start_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_REGEX_H_
