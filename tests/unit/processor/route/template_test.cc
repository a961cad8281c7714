#include "processor/route/template.h"

#include <gtest/gtest.h>

#include "tests/unit/processor/route/test_events.h"

namespace fanout {
namespace {

using route_test::Col;
using route_test::Event;

ChangeEvent EmailChange() {
  ChangeEvent event = Event(Op::kUpdate);
  event.before = Row{Col("id", Value::Int(7)), Col("email", Value::String("old@x.io")),
                     Col("nick", Value::Null())};
  event.after = Row{Col("id", Value::Int(7)),
                    Col("email", Value::String("new@x.io")),
                    Col("nick", Value::Null()),
                    Col("bio", Value::Unchanged()),
                    Col("ratio", Value::Double(0.25)),
                    Col("vip", Value::Bool(false)),
                    Col("meta", Value::Json(R"({"a":1})"))};
  return event;
}

std::string Render(std::string_view text, const ChangeEvent& event,
                   Template::Image image = Template::Image::kDefault) {
  Result<Template> compiled = CompileTemplate(text);
  EXPECT_TRUE(compiled.ok()) << text << ": " << compiled.status().ToString();
  if (!compiled.ok()) return "<compile error>";
  std::string out;
  Status status = compiled->Render(event, image, &out);
  return status.ok() ? out : "ERROR " + std::string(status.message());
}

std::string CompileError(std::string_view text, std::size_t* offset = nullptr) {
  Result<Template> compiled = CompileTemplate(text, offset);
  return compiled.ok() ? "OK" : std::string(compiled.status().message());
}

TEST(TemplateTest, RendersPlaceholders) {
  const ChangeEvent event = EmailChange();
  EXPECT_EQ(Render("customer:{id}", event), "customer:7");
  EXPECT_EQ(Render("{after.email}|{before.email}|{key.id}", event), "new@x.io|old@x.io|7");
  EXPECT_EQ(Render("{database}/{schema}/{table}/{op}", event), "inventory/public/customers/u");
  EXPECT_EQ(Render("{topic}", event), "inventory.public.customers");
  EXPECT_EQ(Render("{connector}", event), "postgresql");
  EXPECT_EQ(Render("{ratio} {vip} {meta}", event), R"(0.25 false {"a":1})");
  EXPECT_EQ(Render("products", event), "products");
  EXPECT_EQ(Render("", event), "");
}

TEST(TemplateTest, EscapedBraces) {
  const ChangeEvent event = EmailChange();
  EXPECT_EQ(Render("{{id}}", event), "{id}");
  EXPECT_EQ(Render("{{{id}}}", event), "{7}");
  EXPECT_EQ(Render("a}}b{{c", event), "a}b{c");
  Template constant = CompileTemplate("idx-{{x}}").value();
  EXPECT_TRUE(constant.is_constant());
  EXPECT_EQ(constant.constant(), "idx-{x}");
  EXPECT_FALSE(CompileTemplate("k:{id}")->is_constant());
}

TEST(TemplateTest, RendersAgainstAChosenImage) {
  const ChangeEvent event = EmailChange();
  EXPECT_EQ(Render("customer:email:{email}", event, Template::Image::kBefore),
            "customer:email:old@x.io");
  EXPECT_EQ(Render("customer:email:{email}", event, Template::Image::kAfter),
            "customer:email:new@x.io");
  // Explicit prefixes ignore the chosen image.
  EXPECT_EQ(Render("{after.email}", event, Template::Image::kBefore), "new@x.io");
  EXPECT_TRUE(CompileTemplate("{email}")->has_bare_columns());
  EXPECT_FALSE(CompileTemplate("{after.email}")->has_bare_columns());

  ChangeEvent insert = Event(Op::kCreate);
  insert.after = Row{Col("email", Value::String("a@x.io"))};
  EXPECT_EQ(Render("{email}", insert, Template::Image::kBefore),
            "ERROR placeholder {email}: the event has no before image");
}

TEST(TemplateTest, AppendsAndRestoresOnError) {
  const ChangeEvent event = EmailChange();
  Template compiled = CompileTemplate("x:{id}").value();
  std::string out = "keep|";
  ASSERT_TRUE(compiled.Render(event, &out).ok());
  EXPECT_EQ(out, "keep|x:7");
  Template failing = CompileTemplate("x:{id}:{nick}").value();
  Status status = failing.Render(event, &out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "keep|x:7");
}

TEST(TemplateTest, TryRenderAgreesWithRenderWithoutTheReason) {
  const ChangeEvent event = EmailChange();
  for (std::string_view text : {"x:{id}", "x:{id}:{nick}", "{before.email}|{after.email}", "{nope}",
                                "{email}", "{table}:{bio}"}) {
    Template compiled = CompileTemplate(text).value();
    for (Template::Image image :
         {Template::Image::kDefault, Template::Image::kBefore, Template::Image::kAfter}) {
      std::string rendered = "keep|";
      std::string tried = "keep|";
      const Status status = compiled.Render(event, image, &rendered);
      EXPECT_EQ(compiled.TryRender(event, image, &tried), status.ok()) << text;
      EXPECT_EQ(tried, rendered) << text;
    }
  }
}

// An escaper that marks what it wrote: [literal] and <value>, and refuses the value "new@x.io".
void MarkLiteral(std::string_view text, std::string* out) {
  out->append("[").append(text).append("]");
}
Status MarkValue(std::string_view text, std::string* out) {
  if (text == "new@x.io") return InvalidArgument("refused");
  out->append("<").append(text).append(">");
  return Status::Ok();
}
constexpr Template::Escaper kMarking{.literal = MarkLiteral, .value = MarkValue};

TEST(TemplateTest, RenderEscapedPassesLiteralsAndValuesThroughTheirEscapers) {
  const ChangeEvent event = EmailChange();
  std::string out = "keep|";
  ASSERT_TRUE(CompileTemplate("a/{id}{{x}}/{before.email}")
                  .value()
                  .RenderEscaped(event, Template::Image::kDefault, kMarking, &out)
                  .ok());
  EXPECT_EQ(out, "keep|[a/]<7>[{x}/]<old@x.io>");

  // A refused value fails the render, naming the placeholder; so does an unfillable one.
  Status refused = CompileTemplate("a/{id}/{after.email}")
                       .value()
                       .RenderEscaped(event, Template::Image::kDefault, kMarking, &out);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "placeholder {after.email}: refused");
  Status unfillable = CompileTemplate("a/{id}/{nick}")
                          .value()
                          .RenderEscaped(event, Template::Image::kDefault, kMarking, &out);
  EXPECT_EQ(unfillable.message(), "placeholder {nick}: column 'nick' is null");
  EXPECT_EQ(out, "keep|[a/]<7>[{x}/]<old@x.io>");
}

TEST(TemplateTest, UnfillablePlaceholdersAreErrorsNamingThem) {
  ChangeEvent event = EmailChange();
  EXPECT_EQ(Render("{nick}", event), "ERROR placeholder {nick}: column 'nick' is null");
  EXPECT_EQ(Render("{after.nope}", event),
            "ERROR placeholder {after.nope}: the after image has no column 'nope'");
  EXPECT_EQ(Render("{nope}", event),
            "ERROR placeholder {nope}: no column 'nope' in the after, before or key image");
  EXPECT_EQ(Render("{bio}", event),
            "ERROR placeholder {bio}: column 'bio' is an unchanged TOAST value the source did "
            "not send");
  event.schema.clear();
  EXPECT_EQ(Render("{schema}", event), "ERROR placeholder {schema}: the event has no schema");
  ChangeEvent deleted = Event(Op::kDelete);
  EXPECT_EQ(Render("{after.email}", deleted),
            "ERROR placeholder {after.email}: the event has no after image");
}

TEST(TemplateTest, UnchangedToastFallsBackToTheBeforeValue) {
  ChangeEvent event = Event(Op::kUpdate);
  event.before = Row{Col("bio", Value::String("long text"))};
  event.after = Row{Col("bio", Value::Unchanged())};
  EXPECT_EQ(Render("{after.bio}", event), "long text");
  EXPECT_EQ(Render("{bio}", event, Template::Image::kAfter), "long text");
}

TEST(TemplateTest, CompileErrorsCarryPositions) {
  std::size_t offset = 0;
  EXPECT_EQ(CompileError("customer:{id", &offset),
            "at character 10: unclosed '{' (write '{{' for a literal brace)");
  EXPECT_EQ(offset, 9u);
  EXPECT_EQ(CompileError("a{b{c}"),
            "at character 2: unclosed '{' (write '{{' for a literal brace)");
  EXPECT_EQ(CompileError("ab}c"), "at character 3: unmatched '}' (write '}}' for a literal brace)");
  EXPECT_EQ(CompileError("x{}"), "at character 2: empty placeholder '{}'");
  EXPECT_EQ(CompileError("x{ id}"), "at character 3: whitespace in placeholder");
  EXPECT_EQ(CompileError("x:{foo.id}"),
            "at character 4: unknown prefix 'foo.' (expected before., after. or key.)");
  EXPECT_EQ(CompileError("{after.}"), "at character 2: missing column name after 'after.'");
}

}  // namespace
}  // namespace fanout
