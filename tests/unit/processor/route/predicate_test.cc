#include "processor/route/predicate.h"

#include <gtest/gtest.h>

#include "tests/unit/processor/route/test_events.h"

namespace fanout {
namespace {

using route_test::Col;
using route_test::Event;

// An update of a customer: email changed, name did not, bio is unchanged TOAST, note is null.
ChangeEvent Update() {
  ChangeEvent event = Event(Op::kUpdate);
  event.before = Row{Col("id", Value::Int(7)), Col("email", Value::String("old@x.io")),
                     Col("name", Value::String("Ann")), Col("bio", Value::String("long")),
                     Col("score", Value::Int(10))};
  event.after = Row{Col("id", Value::Int(7)),
                    Col("email", Value::String("new@x.io")),
                    Col("name", Value::String("Ann")),
                    Col("bio", Value::Unchanged()),
                    Col("note", Value::Null()),
                    Col("score", Value::Int(12)),
                    Col("price", Value::Double(9.5)),
                    Col("active", Value::Bool(true)),
                    Col("tags", Value::Json(R"(["a"])"))};
  return event;
}

bool Eval(std::string_view text, const ChangeEvent& event) {
  Result<Predicate> predicate = CompilePredicate(text);
  EXPECT_TRUE(predicate.ok()) << text << ": " << predicate.status().ToString();
  return predicate.ok() && predicate->Evaluate(event);
}

std::string Error(std::string_view text, std::size_t* offset = nullptr) {
  Result<Predicate> predicate = CompilePredicate(text, offset);
  return predicate.ok() ? "OK" : std::string(predicate.status().message());
}

TEST(PredicateTest, EmptyIsAlwaysTrue) {
  EXPECT_TRUE(CompilePredicate("")->always_true());
  EXPECT_TRUE(CompilePredicate("  \n")->always_true());
  EXPECT_TRUE(Eval("", Update()));
  EXPECT_FALSE(CompilePredicate("op == 'u'")->always_true());
  EXPECT_EQ(CompilePredicate("op == 'u'")->text(), "op == 'u'");
}

TEST(PredicateTest, EveryComparisonOperator) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("after.score == 12", event));
  EXPECT_FALSE(Eval("after.score == 10", event));
  EXPECT_TRUE(Eval("after.score != 10", event));
  EXPECT_FALSE(Eval("after.score != 12", event));
  EXPECT_TRUE(Eval("after.score < 13", event));
  EXPECT_FALSE(Eval("after.score < 12", event));
  EXPECT_TRUE(Eval("after.score <= 12", event));
  EXPECT_FALSE(Eval("after.score <= 11", event));
  EXPECT_TRUE(Eval("after.score > 11", event));
  EXPECT_FALSE(Eval("after.score > 12", event));
  EXPECT_TRUE(Eval("after.score >= 12", event));
  EXPECT_FALSE(Eval("after.score >= 13", event));
  EXPECT_TRUE(Eval("before.score < after.score", event));
  EXPECT_TRUE(Eval("13 > after.score", event));  // literal on the left
}

TEST(PredicateTest, FieldReferences) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("before.email == 'old@x.io'", event));
  EXPECT_TRUE(Eval("after.email == \"new@x.io\"", event));
  EXPECT_TRUE(Eval("email == 'new@x.io'", event));  // bare: after first
  EXPECT_TRUE(Eval("key.id == 7", event));
  EXPECT_TRUE(Eval("op == 'u'", event));
  EXPECT_TRUE(Eval("table == 'customers'", event));
  EXPECT_TRUE(Eval("schema == 'public' and database == 'inventory'", event));
  EXPECT_TRUE(Eval("topic == 'inventory.public.customers' and connector == 'postgresql'", event));
  EXPECT_TRUE(Eval("`email` == 'new@x.io'", event));

  ChangeEvent deleted = Event(Op::kDelete);
  deleted.before = Row{Col("id", Value::Int(7)), Col("email", Value::String("gone@x.io"))};
  EXPECT_TRUE(Eval("email == 'gone@x.io'", deleted));  // bare: before when there is no after
  EXPECT_TRUE(Eval("after.email == null", deleted));
  ChangeEvent keyed = Event(Op::kDelete);
  EXPECT_TRUE(Eval("id == 7", keyed));  // bare: key when neither image has it
}

TEST(PredicateTest, Literals) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("after.price == 9.5", event));
  EXPECT_TRUE(Eval("after.price > 9.49999", event));
  EXPECT_TRUE(Eval("after.price < 1e1", event));
  EXPECT_TRUE(Eval("after.score > -5", event));
  EXPECT_TRUE(Eval("after.score < 12.000001", event));
  EXPECT_TRUE(Eval("after.score == 12.0", event));
  EXPECT_TRUE(Eval("after.score < 99999999999999999999999", event));  // beyond int64: decimal
  EXPECT_TRUE(Eval("after.active == true", event));
  EXPECT_FALSE(Eval("after.active == false", event));
  EXPECT_TRUE(Eval("after.tags == '[\"a\"]'", event));
  EXPECT_TRUE(Eval("'it\\'s' == \"it's\"", event));
  EXPECT_TRUE(Eval("true", event));
  EXPECT_FALSE(Eval("false", event));
}

TEST(PredicateTest, Int64IsExact) {
  ChangeEvent event = Event(Op::kCreate);
  event.after = Row{Col("n", Value::Int(9007199254740993))};
  EXPECT_TRUE(Eval("after.n == 9007199254740993", event));
  EXPECT_FALSE(Eval("after.n == 9007199254740992", event));
  EXPECT_TRUE(Eval("after.n > 9007199254740992.5", event));
}

TEST(PredicateTest, NumbersAndStringsDoNotMix) {
  ChangeEvent event = Event(Op::kCreate);
  event.after = Row{Col("code", Value::String("42")), Col("n", Value::Int(42))};
  EXPECT_FALSE(Eval("after.code == 42", event));
  EXPECT_FALSE(Eval("after.code != 42", event));  // incompatible: false both ways
  EXPECT_FALSE(Eval("after.n == '42'", event));
  EXPECT_TRUE(Eval("after.code == '42'", event));
  EXPECT_TRUE(Eval("after.code < '5'", event));  // bytewise: "42" < "5"
  EXPECT_FALSE(Eval("after.n < 5", event));      // numeric
}

TEST(PredicateTest, NullHandling) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("after.note == null", event));
  EXPECT_FALSE(Eval("after.note != null", event));
  EXPECT_TRUE(Eval("after.missing == null", event));  // a missing column counts as null
  EXPECT_TRUE(Eval("after.note != 'x'", event));      // null is not 'x'
  EXPECT_FALSE(Eval("after.note < 'x'", event));
  EXPECT_FALSE(Eval("after.note >= 0", event));
  EXPECT_TRUE(Eval("after.email != null", event));
  EXPECT_FALSE(Eval("after.email == null", event));
  EXPECT_TRUE(Eval("after.note == after.missing", event));
  EXPECT_TRUE(Eval("before.note == null", event));
}

TEST(PredicateTest, UnchangedToast) {
  ChangeEvent event = Update();
  // REPLICA IDENTITY FULL: the before image has the value, so after.bio resolves to it.
  EXPECT_TRUE(Eval("after.bio == 'long'", event));
  EXPECT_TRUE(Eval("bio == 'long'", event));
  // Without it the value is unknown: non-null, but equal and unequal to nothing.
  event.before.reset();
  EXPECT_FALSE(Eval("after.bio == 'long'", event));
  EXPECT_FALSE(Eval("after.bio != 'long'", event));
  EXPECT_FALSE(Eval("after.bio == null", event));
  EXPECT_TRUE(Eval("after.bio != null", event));
  EXPECT_TRUE(Eval("exists(after.bio)", event));
}

TEST(PredicateTest, InLists) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("op in ('c', 'u')", event));
  EXPECT_FALSE(Eval("op in ('c', 'd')", event));
  EXPECT_TRUE(Eval("after.score in ('12', 12)", event));
  EXPECT_TRUE(Eval("after.score in (12.0)", event));
  EXPECT_TRUE(Eval("op not in ('c', 'd')", event));
  EXPECT_FALSE(Eval("op not in ('u')", event));
  EXPECT_TRUE(Eval("after.note in (null, 'x')", event));
  EXPECT_TRUE(Eval("op IN ('u') AND NOT after.active == false", event));  // keywords any case
}

TEST(PredicateTest, Exists) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("exists(after.email)", event));
  EXPECT_FALSE(Eval("exists(after.note)", event));  // present but null
  EXPECT_FALSE(Eval("exists(after.nope)", event));
  EXPECT_TRUE(Eval("exists(before.email)", event));
  EXPECT_TRUE(Eval("exists(key.id)", event));
  EXPECT_TRUE(Eval("exists(email)", event));
}

TEST(PredicateTest, ChangedComparesBeforeAndAfter) {
  const ChangeEvent event = Update();
  EXPECT_TRUE(Eval("changed(email)", event));
  EXPECT_FALSE(Eval("changed(name)", event));
  EXPECT_TRUE(Eval("changed(name, email)", event));
  EXPECT_FALSE(Eval("changed(bio)", event));      // unchanged TOAST has not changed
  EXPECT_FALSE(Eval("changed(nothere)", event));  // in neither image
  EXPECT_TRUE(Eval("changed(note)", event));      // only in after
  EXPECT_TRUE(Eval("changed(price)", event));
}

TEST(PredicateTest, ChangedWithoutBothImagesIsTrue) {
  ChangeEvent insert = Event(Op::kCreate);
  insert.after = Row{Col("email", Value::String("a"))};
  EXPECT_TRUE(Eval("changed(email)", insert));
  ChangeEvent deleted = Event(Op::kDelete);
  deleted.before = Row{Col("email", Value::String("a"))};
  EXPECT_TRUE(Eval("changed(email)", deleted));
  // PostgreSQL REPLICA IDENTITY DEFAULT: an update without a before image.
  ChangeEvent update = Event(Op::kUpdate);
  update.after = Row{Col("email", Value::String("a"))};
  EXPECT_TRUE(Eval("changed(email)", update));
}

TEST(PredicateTest, PrecedenceNotThenAndThenOr) {
  const ChangeEvent event = Update();  // op u
  // or binds loosest: true or (false and false)
  EXPECT_TRUE(Eval("op == 'u' or op == 'c' and op == 'd'", event));
  // (false and ...) or true
  EXPECT_TRUE(Eval("op == 'c' and op == 'd' or op == 'u'", event));
  // explicit parentheses change it
  EXPECT_FALSE(Eval("(op == 'u' or op == 'c') and op == 'd'", event));
  // not binds tighter than and: (not false) and true
  EXPECT_TRUE(Eval("not op == 'c' and op == 'u'", event));
  // not binds tighter than or: (not true) or false == false
  EXPECT_FALSE(Eval("not op == 'u' or op == 'c'", event));
  EXPECT_TRUE(Eval("not (op == 'u' and op == 'c')", event));
  EXPECT_TRUE(Eval("not not op == 'u'", event));
}

TEST(PredicateTest, ErrorsCarryTheCharacterPosition) {
  std::size_t offset = 0;
  EXPECT_EQ(Error("(op == 'u'", &offset),
            "at character 11: expected ')', found the end of the predicate");
  EXPECT_EQ(offset, 10u);
  EXPECT_EQ(Error("op = 'u'", &offset), "at character 4: unexpected '=' (write '==' to compare)");
  EXPECT_EQ(offset, 3u);
  EXPECT_EQ(Error("op == 'u"), "at character 7: unterminated string");
  EXPECT_EQ(Error("op =="),
            "at character 6: expected a field or a literal, found the end of the predicate");
  EXPECT_EQ(Error("after.email"),
            "at character 12: expected a comparison (==, !=, <, <=, >, >=, in), found the end of "
            "the predicate");
  EXPECT_EQ(Error("foo.x == 1"),
            "at character 1: unknown prefix 'foo.' (expected before., after. or key.)");
  EXPECT_EQ(Error("op == 'u' and"),
            "at character 14: expected a field or a literal, found the end of the predicate");
  EXPECT_EQ(Error("op == 'u' op"), "at character 11: expected 'and', 'or' or the end, found 'op'");
  EXPECT_EQ(Error("matches(x)"),
            "at character 1: unknown function 'matches' (expected exists or changed)");
  EXPECT_EQ(Error("exists('a')"),
            "at character 8: exists() takes a column (after.x, before.x, key.x or x)");
  EXPECT_EQ(Error("exists(op)"),
            "at character 8: exists() takes a column (after.x, before.x, key.x or x)");
  EXPECT_EQ(Error("changed(after.x)"),
            "at character 14: changed() takes bare column names (it compares before and after)");
  EXPECT_EQ(Error("changed()"), "at character 9: expected a column name in changed(), found ')'");
  EXPECT_EQ(Error("op in (after.x)"), "at character 8: an 'in' list holds literals only");
  EXPECT_EQ(Error("op in 'u'"), "at character 7: expected '(', found a string");
  EXPECT_EQ(Error("x == 1.2.3"), "at character 9: expected 'and', 'or' or the end, found '.3'");
  EXPECT_EQ(Error("x == 1e"), "at character 8: expected exponent digits");
  EXPECT_EQ(Error("x && y"), "at character 3: unexpected '&' (write and, or, not)");
  EXPECT_EQ(Error("x == 'a\\q'"),
            "at character 8: unknown escape (use \\\\, \\', \\\", \\n or \\t)");
  EXPECT_EQ(Error("and == 1"),
            "at character 1: expected a field or a literal, found 'and' (quote a column with that "
            "name in backticks)");
  EXPECT_EQ(Error("x <> 1"), "at character 3: unexpected '<>' (write '!=')");
  EXPECT_NE(Error(std::string(200, '(') + "true" + std::string(200, ')')).find("too deeply"),
            std::string::npos);
}

// A chain of and/or is a left-deep tree that Evaluate walks one level per operator: ~25000 of
// them overflowed the stack (found probing the predicate fuzz target with a long input).
TEST(PredicateTest, VeryLongChainsAreRejected) {
  std::string chain = "score > 1";
  for (int i = 0; i < 1000; ++i) chain += i % 2 ? " and score > 1" : " or false";
  EXPECT_TRUE(Eval(chain, Update()));
  for (int i = 0; i < 30000; ++i) chain += " and true";
  EXPECT_NE(Error(chain).find("expression too long"), std::string::npos);
}

}  // namespace
}  // namespace fanout
