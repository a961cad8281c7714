#include "processor/route/router.h"

#include <gtest/gtest.h>

#include "tests/unit/processor/route/test_events.h"

namespace fanout {
namespace {

using route_test::Col;
using route_test::Event;

RouteSpec Spec(std::string name, std::vector<std::string> tables = {}) {
  RouteSpec spec;
  spec.name = std::move(name);
  spec.sink = "cache";
  spec.tables = std::move(tables);
  return spec;
}

std::string Matched(const Router& router, const ChangeEvent& event) {
  std::vector<const CompiledRoute*> routes;
  router.Match(event, &routes);
  std::string names;
  for (const CompiledRoute* route : routes) names += (names.empty() ? "" : ",") + route->name();
  return names;
}

std::string CreateError(std::vector<RouteSpec> specs) {
  Result<Router> router = Router::Create(std::move(specs));
  return router.ok() ? "OK" : std::string(router.status().message());
}

TEST(RouterTest, MatchesTablesByExactNameGlobAndRegex) {
  Router router = Router::Create({Spec("exact", {"public.customers"}), Spec("glob", {"public.*"}),
                                  Spec("suffix", {"*.orders"}),
                                  Spec("regex", {"^(public|shop)\\.order.*"}), Spec("any")})
                      .value();
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "public", "customers")), "exact,glob,any");
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "public", "orders")), "glob,suffix,regex,any");
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "shop", "orders")), "suffix,regex,any");
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "shop", "order_items")), "regex,any");
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "other", "x")), "any");

  ChangeEvent mysql = Event(Op::kCreate, "", "orders");  // db.table when there is no schema
  mysql.database = "shop";
  EXPECT_EQ(Matched(router, mysql), "suffix,regex,any");
}

TEST(RouterTest, MatchesTopics) {
  RouteSpec exact = Spec("exact");
  exact.topics = {"inventory.public.customers"};
  RouteSpec regex = Spec("regex");
  regex.topics = {"^inventory\\.public\\..*"};
  Router router = Router::Create({exact, regex}).value();
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "public", "customers")), "exact,regex");
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "public", "orders")), "regex");
  EXPECT_EQ(Matched(router, Event(Op::kCreate, "private", "orders")), "");
}

TEST(RouterTest, OpsDefaultToCreateUpdateDeleteRead) {
  RouteSpec truncates = Spec("truncates");
  truncates.ops = {Op::kTruncate, Op::kMessage};
  RouteSpec deletes = Spec("deletes");
  deletes.ops = {Op::kDelete};
  Router router = Router::Create({Spec("default"), truncates, deletes}).value();
  for (Op op : {Op::kCreate, Op::kUpdate, Op::kRead}) {
    EXPECT_EQ(Matched(router, Event(op)), "default") << OpName(op);
  }
  EXPECT_EQ(Matched(router, Event(Op::kDelete)), "default,deletes");
  EXPECT_EQ(Matched(router, Event(Op::kTruncate)), "truncates");
  EXPECT_EQ(Matched(router, Event(Op::kMessage)), "truncates");
}

TEST(RouterTest, OnlyChangeRecordsEverMatch) {
  Router router = Router::Create({Spec("all")}).value();
  for (RecordKind kind : {RecordKind::kTombstone, RecordKind::kHeartbeat, RecordKind::kTransaction,
                          RecordKind::kSchemaChange}) {
    ChangeEvent event = Event(Op::kDelete);
    event.kind = kind;
    std::vector<const CompiledRoute*> out = {router.Find("all")};  // stale content is cleared
    router.Match(event, &out);
    EXPECT_TRUE(out.empty()) << RecordKindName(kind);
  }
}

TEST(RouterTest, WhenPredicateAndMultiMatchInDeclarationOrder) {
  RouteSpec emails = Spec("emails", {"public.customers"});
  emails.when = "changed(email)";
  RouteSpec vip = Spec("vip", {"public.*"});
  vip.when = "after.tier in ('gold', 'platinum')";
  Router router = Router::Create({vip, emails, Spec("all")}).value();
  ChangeEvent event = Event(Op::kUpdate);
  event.before = Row{Col("email", Value::String("a")), Col("tier", Value::String("gold"))};
  event.after = Row{Col("email", Value::String("b")), Col("tier", Value::String("gold"))};
  EXPECT_EQ(Matched(router, event), "vip,emails,all");
  event.after = Row{Col("email", Value::String("a")), Col("tier", Value::String("tin"))};
  EXPECT_EQ(Matched(router, event), "all");
}

TEST(RouterTest, ExposesTheCompiledRoute) {
  RouteSpec spec = Spec("customer-cache", {"public.customers"});
  spec.projection.exclude = {"password"};
  spec.templates = {
      {"invalidate", "customer:{id}"}, {"ttl", "60"}, {"invalidate", "customer:email:{email}"}};
  Router router = Router::Create({spec}).value();
  const CompiledRoute* route = router.Find("customer-cache");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(router.Find("nope"), nullptr);
  EXPECT_EQ(route->sink(), "cache");
  EXPECT_EQ(route->projection().OutputName("password"), std::nullopt);
  std::span<const Template> invalidate = route->Templates("invalidate");
  ASSERT_EQ(invalidate.size(), 2u);
  EXPECT_EQ(invalidate[0].text(), "customer:{id}");
  EXPECT_EQ(invalidate[1].text(), "customer:email:{email}");
  EXPECT_EQ(route->Templates("ttl").size(), 1u);
  EXPECT_TRUE(route->Templates("index").empty());
  EXPECT_EQ(route->TemplateNames(), (std::vector<std::string_view>{"invalidate", "ttl"}));
  EXPECT_TRUE(route->predicate().always_true());

  // Pointers survive moving the router.
  Router moved = std::move(router);
  EXPECT_EQ(moved.Find("customer-cache"), route);
}

TEST(RouterTest, ReportsEveryMistakeWithRouteAndField) {
  RouteSpec bad = Spec("bad", {"customers", "^(x"});
  bad.topics = {""};
  bad.when = "op == 'u' and (after.x > 1";
  bad.projection.include = {"a", "a"};
  bad.templates = {{"key", "ok:{id}"}, {"key", "k:{id"}, {"", "x"}};
  EXPECT_EQ(CreateError({bad}),
            "route 'bad': tables[1]: bad regex '^(x': at character 4: expected ')'; "
            "route 'bad': topics[0]: empty pattern; "
            "route 'bad': when: at character 27: expected ')', found the end of the predicate; "
            "route 'bad': include[1]: 'a' is listed twice; "
            "route 'bad': key[1] 'k:{id': at character 3: unclosed '{' (write '{{' for a literal "
            "brace); "
            "route 'bad': templates[2]: empty template name");
}

TEST(RouterTest, RejectsDuplicateNamesMissingFieldsAndUnqualifiedTables) {
  EXPECT_EQ(CreateError({Spec("a"), Spec("b"), Spec("a")}),
            "route 'a': duplicate name (route #1 has it too)");
  RouteSpec nameless = Spec("");
  nameless.sink.clear();
  EXPECT_EQ(CreateError({Spec("a"), nameless}),
            "route #2: name is required; route #2: sink is required");
  EXPECT_EQ(CreateError({Spec("a", {"customers"})}),
            "route 'a': tables[0]: 'customers' is not qualified; write 'schema.table' (or "
            "'*.customers')");
  EXPECT_EQ(CreateError({}), "OK");
}

TEST(RouterTest, EmptyRouterMatchesNothing) {
  Router router;
  EXPECT_EQ(Matched(router, Event(Op::kCreate)), "");
}

}  // namespace
}  // namespace fanout
