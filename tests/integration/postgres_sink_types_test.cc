// The PostgreSQL sink and the target's column types, against the stack's real replica cluster:
// columns a multi-row statement cannot carry (arrays, composites) are written one row at a time,
// a value the column cannot hold is a bad record, never silently cut to fit, and a delete finds
// a row whose key its column rounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/postgres_sink_fixture.h"

namespace fanout::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(PostgresSinkTest, ArrayColumnsAreWrittenOneRowAtATime) {
  // unnest would flatten a text[] column: such a shape is written with scalar parameters.
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".tagged (id int primary key, tags text[])"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".tagged"}});
  auto tagged = [](int id, const std::string& tags) {
    return Row{{"id", Value::Int(id)}, {"tags", Value::String(tags)}};
  };
  EXPECT_THAT(
      Outcomes(Apply(
          sink, b,
          {Event(Op::kCreate, tagged(1, "{a,b}"), 1), Event(Op::kCreate, tagged(2, "{c}"), 2)}, 0)),
      ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("tagged", "id, tags"), "(1,\"{a,b}\") (2,{c})");
}

TEST_F(PostgresSinkTest, CompositeColumnsAreWrittenOneRowAtATime) {
  // unnest would expand a composite column into its fields.
  ASSERT_TRUE(db_->Exec("create type " + schema_ + ".pt as (x int, y int); create table " +
                        schema_ + ".shapes (id int primary key, p " + schema_ + ".pt)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".shapes"}});
  auto shape = [](int id, const std::string& p) {
    return Row{{"id", Value::Int(id)}, {"p", Value::String(p)}};
  };
  EXPECT_THAT(Outcomes(Apply(sink, b, {Event(Op::kCreate, shape(1, "(1,2)"), 1)}, 0)),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_THAT(
      Outcomes(Apply(
          sink, b,
          {Event(Op::kCreate, shape(2, "(3,4)"), 2), Event(Op::kCreate, shape(3, "(5,6)"), 3)}, 1)),
      ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("shapes", "id, (p).y"), "(1,2) (2,4) (3,6)");
}

TEST_F(PostgresSinkTest, AValueTooLongForItsColumnIsABadRecordNotCutToFit) {
  // A parameter cast to the column's declared type (varchar(3), char(3), bit(3)) would be cut or
  // padded to fit, silently; the value must reach the column as sent, and fail there.
  ASSERT_TRUE(db_->Exec("create table " + schema_ +
                        ".codes (id int primary key, v varchar(3), c char(3), b bit(3))"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".codes"}});
  auto code = [](int id, const std::string& v, const std::string& c, const std::string& bits) {
    return Row{{"id", Value::Int(id)},
               {"v", Value::String(v)},
               {"c", Value::String(c)},
               {"b", Value::String(bits)}};
  };
  // One row alone (scalar parameters), then a run of three (array parameters).
  std::vector<ActionResult> results =
      Apply(sink, b, {Event(Op::kCreate, code(1, "abcdef", "ab", "101"), 1)}, 0);
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kBadRecord));
  EXPECT_THAT(results[0].message, HasSubstr("SQLSTATE 22001"));
  results = Apply(sink, b,
                  {Event(Op::kCreate, code(2, "abc", "ab", "101"), 2),
                   Event(Op::kCreate, code(3, "xy", "abcd", "101"), 3),
                   Event(Op::kCreate, code(4, "z", "a", "10101"), 4)},
                  1);
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kBadRecord));
  EXPECT_THAT(results[1].message, HasSubstr("SQLSTATE 22001"));
  EXPECT_THAT(results[2].message, HasSubstr("SQLSTATE 22026"));
  EXPECT_EQ(Rows("codes", "id, v, c, b"), "(2,abc,\"ab \",101)");
}

TEST_F(PostgresSinkTest, ADeleteFindsARowWhoseKeyItsColumnRounded) {
  // The key column rounds what it stores (timestamp(0)): a delete sent with the source's own
  // value must still find the row, alone (scalar parameters) and in a run (array parameters).
  ASSERT_TRUE(
      db_->Exec("create table " + schema_ + ".stamps (t timestamp(0) primary key, note text)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".stamps"}});
  auto stamp = [](const std::string& t) {
    return Row{{"t", Value::String(t)}, {"note", Value::String("n")}};
  };
  ASSERT_THAT(
      Outcomes(Apply(sink, b,
                     {Event(Op::kCreate, stamp("2026-01-01T10:00:00.4"), 1),
                      Event(Op::kCreate, stamp("2026-01-01T11:00:00.4"), 2),
                      Event(Op::kCreate, stamp("2026-01-01T12:00:00.4"), 3)},
                     0)),
      ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("stamps", "t"), "2026-01-01 10:00:00 2026-01-01 11:00:00 2026-01-01 12:00:00");
  ASSERT_THAT(Outcomes(Apply(sink, b, {Event(Op::kDelete, stamp("2026-01-01T10:00:00.4"), 4)}, 3)),
              ElementsAre(ActionOutcome::kApplied));
  ASSERT_THAT(Outcomes(Apply(sink, b,
                             {Event(Op::kDelete, stamp("2026-01-01T11:00:00.4"), 5),
                              Event(Op::kDelete, stamp("2026-01-01T12:00:00.4"), 6)},
                             4)),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("stamps", "t"), "");
}

}  // namespace
}  // namespace fanout::testing
