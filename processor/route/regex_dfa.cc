// Regex::BuildDfa: subset construction over the Pike VM program of regex.cc, at compile time.
//
// A DFA state is the set of NFA instructions alive after some input: consuming instructions,
// kMatch, and kEnd (which can only be passed at the end of the text, so it is kept and checked
// for acceptance). kBegin is passed only in the start state's closure (position 0). Bytes that
// every instruction treats alike share a column (byte classes), which keeps the table small.
#include <algorithm>
#include <map>
#include <vector>

#include "processor/route/regex.h"

namespace fanout {
namespace {

using Inst = Regex::Inst;
using StateSet = std::vector<std::uint16_t>;  // sorted instruction indices

bool Consumes(const Inst& inst, unsigned char c, const std::vector<std::bitset<256>>& classes) {
  switch (inst.op) {
    case Inst::Op::kChar:
      return inst.ch == c;
    case Inst::Op::kAny:
      return c != '\n';
    case Inst::Op::kClass:
      return classes[inst.x].test(c);
    default:
      return false;
  }
}

// Adds `start` and what it reaches without input. `at_begin` lets kBegin through, `at_end` kEnd.
void Closure(const std::vector<Inst>& program, std::uint16_t start, bool at_begin, bool at_end,
             std::vector<bool>* seen, StateSet* out) {
  std::vector<std::uint16_t> stack = {start};
  while (!stack.empty()) {
    const std::uint16_t pc = stack.back();
    stack.pop_back();
    if ((*seen)[pc]) continue;
    (*seen)[pc] = true;
    const Inst& inst = program[pc];
    switch (inst.op) {
      case Inst::Op::kJmp:
        stack.push_back(inst.x);
        break;
      case Inst::Op::kSplit:
        stack.push_back(inst.y);
        stack.push_back(inst.x);
        break;
      case Inst::Op::kBegin:
        if (at_begin) stack.push_back(static_cast<std::uint16_t>(pc + 1));
        break;
      case Inst::Op::kEnd:
        if (at_end) {
          stack.push_back(static_cast<std::uint16_t>(pc + 1));
        } else {
          out->push_back(pc);  // may still pass at the end of the text
        }
        break;
      default:
        out->push_back(pc);
    }
  }
}

}  // namespace

void Regex::BuildDfa() {
  // Byte classes: refine one partition by every consuming instruction.
  std::array<std::uint16_t, 256> byte_class{};
  std::size_t class_count = 1;
  for (const Inst& inst : program_) {
    if (inst.op != Inst::Op::kChar && inst.op != Inst::Op::kAny && inst.op != Inst::Op::kClass) {
      continue;
    }
    std::map<std::pair<std::uint16_t, bool>, std::uint16_t> split;
    for (unsigned int b = 0; b < 256; ++b) {
      const auto key =
          std::make_pair(byte_class[b], Consumes(inst, static_cast<unsigned char>(b), classes_));
      auto [it, inserted] = split.emplace(key, static_cast<std::uint16_t>(split.size()));
      byte_class[b] = it->second;
    }
    class_count = split.size();
  }
  std::array<unsigned char, 256> representative{};
  for (unsigned int b = 256; b-- > 0;)
    representative[byte_class[b]] = static_cast<unsigned char>(b);

  std::vector<StateSet> states = {StateSet{}};  // 0: dead
  std::map<StateSet, std::uint16_t> ids = {{StateSet{}, 0}};
  std::vector<bool> seen(program_.size());
  auto intern = [&](StateSet set, std::uint16_t* id) {
    std::sort(set.begin(), set.end());
    auto it = ids.find(set);
    if (it != ids.end()) {
      *id = it->second;
      return true;
    }
    if (states.size() >= kMaxDfaStates) return false;
    *id = static_cast<std::uint16_t>(states.size());
    ids.emplace(set, *id);
    states.push_back(std::move(set));
    return true;
  };

  StateSet start;
  Closure(program_, 0, /*at_begin=*/true, /*at_end=*/false, &seen, &start);
  std::uint16_t start_id = 0;
  if (!intern(std::move(start), &start_id)) return;
  std::vector<std::uint16_t> next;
  for (std::size_t s = 0; s < states.size(); ++s) {  // `states` grows as new sets appear
    for (std::size_t k = 0; k < class_count; ++k) {
      StateSet target;
      std::fill(seen.begin(), seen.end(), false);
      for (std::uint16_t pc : states[s]) {
        if (Consumes(program_[pc], representative[k], classes_)) {
          Closure(program_, static_cast<std::uint16_t>(pc + 1), false, false, &seen, &target);
        }
      }
      std::uint16_t id = 0;
      if (!intern(std::move(target), &id)) return;  // too big: keep the NFA
      next.push_back(id);
    }
  }
  std::vector<bool> accept(states.size());
  for (std::size_t s = 0; s < states.size(); ++s) {
    StateSet at_end;
    std::fill(seen.begin(), seen.end(), false);
    for (std::uint16_t pc : states[s]) Closure(program_, pc, false, true, &seen, &at_end);
    accept[s] = std::any_of(at_end.begin(), at_end.end(), [this](std::uint16_t pc) {
      return program_[pc].op == Inst::Op::kMatch;
    });
  }
  dfa_next_ = std::move(next);
  dfa_accept_ = std::move(accept);
  for (unsigned int b = 0; b < 256; ++b)
    dfa_byte_class_[b] = static_cast<std::uint8_t>(byte_class[b]);
  dfa_classes_ = class_count;
  dfa_start_ = start_id;
}

}  // namespace fanout
