#include "processor/route/projection.h"

#include <gtest/gtest.h>

#include "tests/unit/processor/route/test_events.h"

namespace fanout {
namespace {

using route_test::Col;

Row Sample() {
  return Row{Col("id", Value::Int(1)), Col("email", Value::String("a@x.io")),
             Col("cost", Value::Double(2.5)), Col("name", Value::String("Ann"))};
}

std::string Names(const Row& row) {
  std::string names;
  for (const Column& column : row) names += (names.empty() ? "" : ",") + column.name;
  return names;
}

std::string Error(ColumnProjection spec) {
  Result<Projection> projection = Projection::Compile(spec);
  return projection.ok() ? "OK" : std::string(projection.status().message());
}

TEST(ProjectionTest, IdentityKeepsEverything) {
  Projection identity;
  EXPECT_TRUE(identity.is_identity());
  EXPECT_EQ(Names(identity.Apply(Sample())), "id,email,cost,name");
  EXPECT_TRUE(Projection::Compile({}).value().is_identity());
}

TEST(ProjectionTest, IncludeKeepsRowOrder) {
  Projection projection = Projection::Compile({.include = {"name", "id"}}).value();
  EXPECT_EQ(Names(projection.Apply(Sample())), "id,name");
}

TEST(ProjectionTest, ExcludeThenRename) {
  Projection projection =
      Projection::Compile({.exclude = {"cost"}, .rename = {{"email", "mail"}}}).value();
  Row out = projection.Apply(Sample());
  EXPECT_EQ(Names(out), "id,mail,name");
  EXPECT_EQ(out[1].value, Value::String("a@x.io"));
  EXPECT_EQ(projection.OutputName("email"), "mail");
  EXPECT_EQ(projection.OutputName("cost"), std::nullopt);
  EXPECT_EQ(projection.OutputName("other"), "other");
}

TEST(ProjectionTest, IncludeExcludeRenameTogether) {
  Projection projection = Projection::Compile({.include = {"id", "email", "cost"},
                                               .exclude = {"cost"},
                                               .rename = {{"id", "customer_id"}}})
                              .value();
  EXPECT_EQ(Names(projection.Apply(Sample())), "customer_id,email");
}

TEST(ProjectionTest, ForEachDoesNotCopy) {
  Projection projection = Projection::Compile({.rename = {{"name", "full_name"}}}).value();
  const Row row = Sample();
  std::vector<const Value*> seen;
  std::string names;
  projection.ForEach(row, [&](std::string_view name, const Value& value) {
    names += std::string(name) + ";";
    seen.push_back(&value);
  });
  EXPECT_EQ(names, "id;email;cost;full_name;");
  EXPECT_EQ(seen[3], &row[3].value);
  Row reused;
  reused.reserve(8);
  projection.Apply(row, &reused);
  projection.Apply(row, &reused);  // cleared, not appended
  EXPECT_EQ(reused.size(), 4u);
}

TEST(ProjectionTest, RejectsContradictions) {
  EXPECT_EQ(Error({.include = {"a", "a"}}), "include[1]: 'a' is listed twice");
  EXPECT_EQ(Error({.include = {""}}), "include[0]: empty column name");
  EXPECT_EQ(Error({.exclude = {"a", "a"}}), "exclude[1]: 'a' is listed twice");
  EXPECT_EQ(Error({.include = {"a"}, .exclude = {"b"}}),
            "exclude[0]: 'b' is not in include, so it is dropped already");
  EXPECT_EQ(Error({.exclude = {"a"}, .rename = {{"a", "b"}}}), "rename[0]: 'a' is excluded");
  EXPECT_EQ(Error({.include = {"a"}, .rename = {{"b", "c"}}}), "rename[0]: 'b' is not in include");
  EXPECT_EQ(Error({.rename = {{"a", "b"}, {"a", "c"}}}), "rename[1]: 'a' is renamed twice");
  EXPECT_EQ(Error({.rename = {{"a", "x"}, {"b", "x"}}}),
            "rename[1]: 'b' -> 'x' collides with column 'a' (renamed to 'x')");
  EXPECT_EQ(Error({.include = {"a", "b"}, .rename = {{"a", "b"}}}),
            "rename[0]: 'a' -> 'b' collides with column 'b'");
  EXPECT_EQ(Error({.rename = {{"a", ""}}}), "rename[0]: empty column name");
}

}  // namespace
}  // namespace fanout
