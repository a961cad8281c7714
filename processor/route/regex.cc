#include "processor/route/regex.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace fanout {
namespace {

using Inst = Regex::Inst;
using Class = std::bitset<256>;

struct Node {
  enum class Kind : std::uint8_t {
    kEmpty,
    kChar,
    kAny,
    kClass,
    kBegin,
    kEnd,
    kConcat,
    kAlt,
    kRepeat
  };
  Kind kind = Kind::kEmpty;
  unsigned char ch = 0;
  int cls = -1;
  int min = 0;
  int max = -1;  // kRepeat: -1 is unbounded
  std::vector<int> kids{};
};

constexpr int kMaxDepth = 64;
constexpr int kMaxCount = 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

Class DigitClass() {
  Class c;
  for (int i = '0'; i <= '9'; ++i) c.set(static_cast<std::size_t>(i));
  return c;
}
Class WordClass() {
  Class c = DigitClass();
  for (int i = 'a'; i <= 'z'; ++i) c.set(static_cast<std::size_t>(i));
  for (int i = 'A'; i <= 'Z'; ++i) c.set(static_cast<std::size_t>(i));
  c.set('_');
  return c;
}
Class SpaceClass() {
  Class c;
  for (char s : {' ', '\t', '\n', '\r', '\f', '\v'}) c.set(static_cast<unsigned char>(s));
  return c;
}

// Recursive-descent parser from pattern text to a Node tree (indices into nodes_).
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status Parse(int* root) {
    FANOUT_RETURN_IF_ERROR(ParseAlt(0, root));
    if (pos_ < text_.size()) return Error("unmatched ')'");
    return Status::Ok();
  }

  std::vector<Node> nodes;
  std::vector<Class> classes;

 private:
  Status Error(std::string_view what) const { return ErrorAt(pos_, what); }
  static Status ErrorAt(std::size_t pos, std::string_view what) {
    return InvalidArgument("at character " + std::to_string(pos + 1) + ": " + std::string(what));
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  int Add(Node node) {
    nodes.push_back(std::move(node));
    return static_cast<int>(nodes.size() - 1);
  }

  Status ParseAlt(int depth, int* out) {
    if (depth > kMaxDepth) return Error("groups nested too deeply");
    Node alt{.kind = Node::Kind::kAlt};
    while (true) {
      int branch = -1;
      FANOUT_RETURN_IF_ERROR(ParseConcat(depth, &branch));
      alt.kids.push_back(branch);
      if (AtEnd() || Peek() != '|') break;
      ++pos_;
    }
    *out = alt.kids.size() == 1 ? alt.kids[0] : Add(std::move(alt));
    return Status::Ok();
  }

  Status ParseConcat(int depth, int* out) {
    Node concat{.kind = Node::Kind::kConcat};
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      int atom = -1;
      FANOUT_RETURN_IF_ERROR(ParseRepeat(depth, &atom));
      concat.kids.push_back(atom);
    }
    *out = Add(std::move(concat));
    return Status::Ok();
  }

  Status ParseRepeat(int depth, int* out) {
    int atom = -1;
    FANOUT_RETURN_IF_ERROR(ParseAtom(depth, &atom));
    int stacked = 0;
    while (!AtEnd()) {
      int min = 0;
      int max = -1;
      const std::size_t at = pos_;
      const char c = Peek();
      if (c == '*') {
        ++pos_;
      } else if (c == '+') {
        min = 1;
        ++pos_;
      } else if (c == '?') {
        max = 1;
        ++pos_;
      } else if (c == '{') {
        FANOUT_RETURN_IF_ERROR(ParseCount(&min, &max));
      } else {
        break;
      }
      const Node::Kind kind = nodes[static_cast<std::size_t>(atom)].kind;
      if (kind == Node::Kind::kBegin || kind == Node::Kind::kEnd) {
        return ErrorAt(at, std::string("nothing to repeat before '") + c + "'");
      }
      // Each quantifier wraps the last: code generation recurses through all of them, so
      // "a{1}{1}..." (which never grows the program) must not go on for ever.
      if (++stacked > kMaxDepth) return ErrorAt(at, "too many quantifiers in a row");
      if (!AtEnd() && Peek() == '?') ++pos_;  // lazy: same answer for a yes/no match
      atom = Add(Node{.kind = Node::Kind::kRepeat, .min = min, .max = max, .kids = {atom}});
    }
    *out = atom;
    return Status::Ok();
  }

  Status ReadNumber(int* value) {
    if (AtEnd() || !IsDigit(Peek())) return Error("expected a number in '{}'");
    int n = 0;
    while (!AtEnd() && IsDigit(Peek())) {
      n = n * 10 + (Peek() - '0');
      if (n > kMaxCount) return Error("repetition count too large");
      ++pos_;
    }
    *value = n;
    return Status::Ok();
  }

  Status ParseCount(int* min, int* max) {
    ++pos_;  // '{'
    FANOUT_RETURN_IF_ERROR(ReadNumber(min));
    *max = *min;
    if (!AtEnd() && Peek() == ',') {
      ++pos_;
      *max = -1;
      if (!AtEnd() && Peek() != '}') FANOUT_RETURN_IF_ERROR(ReadNumber(max));
    }
    if (AtEnd() || Peek() != '}') return Error("expected '}' (write '\\{' for a literal brace)");
    ++pos_;
    if (*max != -1 && *max < *min) return Error("repetition {n,m} with m < n");
    return Status::Ok();
  }

  int AddClass(Class c) {
    classes.push_back(c);
    return Add(Node{.kind = Node::Kind::kClass, .cls = static_cast<int>(classes.size() - 1)});
  }

  // After a '\': fills `set` for a class escape, or `literal` for a character.
  Status ParseEscape(Class* set, bool* is_set, unsigned char* literal) {
    if (AtEnd()) return Error("pattern ends with '\\'");
    const char c = Peek();
    *is_set = true;
    switch (c) {
      case 'd':
        *set = DigitClass();
        break;
      case 'D':
        *set = ~DigitClass();
        break;
      case 'w':
        *set = WordClass();
        break;
      case 'W':
        *set = ~WordClass();
        break;
      case 's':
        *set = SpaceClass();
        break;
      case 'S':
        *set = ~SpaceClass();
        break;
      default:
        *is_set = false;
        if (c == 't') {
          *literal = '\t';
        } else if (c == 'n') {
          *literal = '\n';
        } else if (c == 'r') {
          *literal = '\r';
        } else if (IsAlnum(c)) {
          return ErrorAt(pos_ - 1, std::string("unsupported escape '\\") + c + "'");
        } else {
          *literal = static_cast<unsigned char>(c);
        }
    }
    ++pos_;
    return Status::Ok();
  }

  Status ParseClass(int* out) {
    ++pos_;  // '['
    bool negate = false;
    if (!AtEnd() && Peek() == '^') {
      negate = true;
      ++pos_;
    }
    Class set;
    bool first = true;
    while (true) {
      if (AtEnd()) return Error("unterminated '['");
      if (Peek() == ']' && !first) break;
      first = false;
      unsigned char lo = 0;
      if (Peek() == '\\') {
        ++pos_;
        Class escaped;
        bool is_set = false;
        FANOUT_RETURN_IF_ERROR(ParseEscape(&escaped, &is_set, &lo));
        if (is_set) {
          set |= escaped;
          continue;
        }
      } else {
        lo = static_cast<unsigned char>(Peek());
        ++pos_;
      }
      unsigned char hi = lo;
      if (pos_ + 1 < text_.size() && Peek() == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        if (Peek() == '\\') {
          ++pos_;
          Class escaped;
          bool is_set = false;
          FANOUT_RETURN_IF_ERROR(ParseEscape(&escaped, &is_set, &hi));
          if (is_set) return Error("a class escape cannot end a range");
        } else {
          hi = static_cast<unsigned char>(Peek());
          ++pos_;
        }
        if (hi < lo) return Error("range out of order in '[...]'");
      }
      for (unsigned int ch = lo; ch <= hi; ++ch) set.set(ch);
    }
    ++pos_;  // ']'
    *out = AddClass(negate ? ~set : set);
    return Status::Ok();
  }

  Status ParseAtom(int depth, int* out) {
    const char c = Peek();
    switch (c) {
      case '(': {
        ++pos_;
        if (!AtEnd() && Peek() == '?') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == ':') {
            pos_ += 2;
          } else {
            return Error("only (?:...) groups are supported (no lookaround or named groups)");
          }
        }
        FANOUT_RETURN_IF_ERROR(ParseAlt(depth + 1, out));
        if (AtEnd() || Peek() != ')') return Error("expected ')'");
        ++pos_;
        return Status::Ok();
      }
      case '[':
        return ParseClass(out);
      case '.': {
        ++pos_;
        *out = Add(Node{.kind = Node::Kind::kAny});
        return Status::Ok();
      }
      case '^':
      case '$':
        ++pos_;
        *out = Add(Node{.kind = c == '^' ? Node::Kind::kBegin : Node::Kind::kEnd});
        return Status::Ok();
      case '\\': {
        ++pos_;
        Class set;
        bool is_set = false;
        unsigned char literal = 0;
        FANOUT_RETURN_IF_ERROR(ParseEscape(&set, &is_set, &literal));
        *out = is_set ? AddClass(set) : Add(Node{.kind = Node::Kind::kChar, .ch = literal});
        return Status::Ok();
      }
      case '*':
      case '+':
      case '?':
        return Error(std::string("nothing to repeat before '") + c + "'");
      case '{':
        return Error("unescaped '{' (write '\\{' for a literal brace)");
      default:
        ++pos_;
        *out = Add(Node{.kind = Node::Kind::kChar, .ch = static_cast<unsigned char>(c)});
        return Status::Ok();
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// Emits Pike VM instructions for a Node tree.
class CodeGen {
 public:
  CodeGen(const std::vector<Node>& nodes, std::vector<Inst>* program)
      : nodes_(nodes), program_(*program) {}

  // False when the program would exceed Regex::kMaxProgram, or when emitting it takes more than
  // kMaxEmits steps: a repeated group that emits nothing ("(){1000}{1000}{1000}") never grows
  // the program, so only the steps bound it.
  bool Emit(int index) {
    if (program_.size() > Regex::kMaxProgram || ++emits_ > kMaxEmits) return false;
    const Node& node = nodes_[static_cast<std::size_t>(index)];
    switch (node.kind) {
      case Node::Kind::kEmpty:
        return true;
      case Node::Kind::kChar:
        return Push({.op = Inst::Op::kChar, .ch = node.ch});
      case Node::Kind::kAny:
        return Push({.op = Inst::Op::kAny});
      case Node::Kind::kClass:
        return Push({.op = Inst::Op::kClass, .x = static_cast<std::uint16_t>(node.cls)});
      case Node::Kind::kBegin:
        return Push({.op = Inst::Op::kBegin});
      case Node::Kind::kEnd:
        return Push({.op = Inst::Op::kEnd});
      case Node::Kind::kConcat:
        for (int kid : node.kids) {
          if (!Emit(kid)) return false;
        }
        return true;
      case Node::Kind::kAlt:
        return EmitAlt(node, 0);
      case Node::Kind::kRepeat:
        return EmitRepeat(node);
    }
    return false;
  }

 private:
  std::uint16_t Here() const { return static_cast<std::uint16_t>(program_.size()); }
  bool Push(Inst inst) {
    program_.push_back(inst);
    return program_.size() <= Regex::kMaxProgram;
  }

  bool EmitAlt(const Node& node, std::size_t i) {
    if (i + 1 == node.kids.size()) return Emit(node.kids[i]);
    const std::size_t split = program_.size();
    if (!Push({.op = Inst::Op::kSplit})) return false;
    program_[split].x = Here();
    if (!Emit(node.kids[i])) return false;
    const std::size_t jump = program_.size();
    if (!Push({.op = Inst::Op::kJmp})) return false;
    program_[split].y = Here();
    if (!EmitAlt(node, i + 1)) return false;
    program_[jump].x = Here();
    return true;
  }

  bool EmitRepeat(const Node& node) {
    const int kid = node.kids[0];
    for (int i = 0; i < node.min; ++i) {
      if (!Emit(kid)) return false;
    }
    if (node.max == -1) {  // L: split body, out; body; jmp L; out:
      const std::size_t loop = program_.size();
      if (!Push({.op = Inst::Op::kSplit})) return false;
      program_[loop].x = Here();
      if (!Emit(kid)) return false;
      if (!Push({.op = Inst::Op::kJmp, .x = static_cast<std::uint16_t>(loop)})) return false;
      program_[loop].y = Here();
      return true;
    }
    std::vector<std::size_t> splits;  // each optional copy may be skipped to the end
    for (int i = node.min; i < node.max; ++i) {
      splits.push_back(program_.size());
      if (!Push({.op = Inst::Op::kSplit})) return false;
      program_[splits.back()].x = Here();
      if (!Emit(kid)) return false;
    }
    for (std::size_t split : splits) program_[split].y = Here();
    return true;
  }

  // Far above what a program within kMaxProgram needs (each instruction is reached through at
  // most ~2 * kMaxDepth nodes), far below a noticeable delay.
  static constexpr std::size_t kMaxEmits = std::size_t{1} << 20;

  const std::vector<Node>& nodes_;
  std::vector<Inst>& program_;
  std::size_t emits_ = 0;
};

}  // namespace

Result<Regex> Regex::Compile(std::string_view pattern) {
  Parser parser(pattern);
  int root = -1;
  FANOUT_RETURN_IF_ERROR(parser.Parse(&root));
  Regex regex;
  CodeGen codegen(parser.nodes, &regex.program_);
  if (!codegen.Emit(root) || regex.program_.size() + 1 > kMaxProgram) {
    return InvalidArgument("pattern too complex (more than " + std::to_string(kMaxProgram) +
                           " instructions after expanding repetitions)");
  }
  regex.program_.push_back({.op = Inst::Op::kMatch});
  regex.classes_ = std::move(parser.classes);
  regex.BuildDfa();
  return regex;
}

bool Regex::FullMatch(std::string_view text) const {
  // The empty text is at the beginning and at the end at once, so '^' may follow '$' ("$^"
  // matches it); the DFA's acceptance passes '$' but not '^' after it. Rare, and cheap for the NFA.
  if (dfa_next_.empty() || text.empty()) return NfaFullMatch(text);
  std::uint16_t state = dfa_start_;
  for (char c : text) {
    state = dfa_next_[state * dfa_classes_ + dfa_byte_class_[static_cast<unsigned char>(c)]];
    if (state == 0) return false;
  }
  return dfa_accept_[state];
}

bool Regex::NfaFullMatch(std::string_view text) const {
  // Every array is sized by the program bound, so a match never allocates; only the first
  // program_.size() entries of `mark` are initialised.
  const std::size_t n = program_.size();
  std::array<std::uint16_t, kMaxProgram> lists[2];
  std::array<std::uint32_t, kMaxProgram> mark;
  std::array<std::uint16_t, 2 * kMaxProgram + 2> stack;
  std::fill_n(mark.begin(), n, 0);
  std::size_t sizes[2] = {0, 0};
  std::uint32_t generation = 0;

  // Adds `start` and everything reachable from it without consuming input.
  auto add = [&](int list, std::uint16_t start, std::size_t pos) {
    std::size_t top = 0;
    stack[top++] = start;
    while (top > 0) {
      const std::uint16_t pc = stack[--top];
      if (mark[pc] == generation) continue;
      mark[pc] = generation;
      const Inst& inst = program_[pc];
      switch (inst.op) {
        case Inst::Op::kJmp:
          stack[top++] = inst.x;
          break;
        case Inst::Op::kSplit:
          stack[top++] = inst.y;
          stack[top++] = inst.x;
          break;
        case Inst::Op::kBegin:
          if (pos == 0) stack[top++] = static_cast<std::uint16_t>(pc + 1);
          break;
        case Inst::Op::kEnd:
          if (pos == text.size()) stack[top++] = static_cast<std::uint16_t>(pc + 1);
          break;
        default:
          lists[list][sizes[list]++] = pc;
      }
    }
  };

  int current = 0;
  ++generation;
  add(current, 0, 0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const int next = 1 - current;
    sizes[next] = 0;
    ++generation;
    for (std::size_t k = 0; k < sizes[current]; ++k) {
      const std::uint16_t pc = lists[current][k];
      const Inst& inst = program_[pc];
      bool step = false;
      switch (inst.op) {
        case Inst::Op::kChar:
          step = inst.ch == c;
          break;
        case Inst::Op::kAny:
          step = c != '\n';
          break;
        case Inst::Op::kClass:
          step = classes_[inst.x].test(c);
          break;
        default:
          break;
      }
      if (step) add(next, static_cast<std::uint16_t>(pc + 1), i + 1);
    }
    current = next;
    if (sizes[current] == 0) return false;
  }
  for (std::size_t k = 0; k < sizes[current]; ++k) {
    if (program_[lists[current][k]].op == Inst::Op::kMatch) return true;
  }
  return false;
}

}  // namespace fanout
