// fanout run against the real stack: PostgreSQL → Debezium → Kafka → fanout. Asserts that fanout
// consumed exactly the changes made, with the right op, key, before and after, and that a
// restarted fanout resumes from its committed offsets without re-processing finished events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "tests/support/debezium_fixture.h"
#include "tests/support/jsonl_records.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One line of `--dump-events`, reduced to what the assertions compare.
struct Dumped {
  std::string kind, op, table, key, before, after;
  std::string routes;  // the routing fanout decided, as compact JSON
  bool operator==(const Dumped&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Dumped& d) {
  return os << d.kind << " " << d.op << " " << d.table << " key=" << d.key << " before=" << d.before
            << " after=" << d.after << " routes=" << d.routes;
}

std::vector<Dumped> ReadDump(const std::string& path) {
  std::vector<Dumped> out;
  simdjson::dom::parser parser;
  for (const std::string& line : ReadLines(path)) {
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) {
      ADD_FAILURE() << "bad dump line: " << line;
      continue;
    }
    Dumped d;
    std::string_view text;
    if (e["kind"].get_string().get(text) == simdjson::SUCCESS) d.kind = text;
    if (e["op"].get_string().get(text) == simdjson::SUCCESS) d.op = text;
    if (e["table"].get_string().get(text) == simdjson::SUCCESS) d.table = text;
    d.key = simdjson::minify(e["key"]);
    d.before = simdjson::minify(e["before"]);
    d.after = simdjson::minify(e["after"]);
    d.routes = simdjson::minify(e["routes"]);
    out.push_back(d);
  }
  return out;
}

Dumped Change(std::string op, std::string key, std::string before, std::string after,
              std::string routes = "[]") {
  return Dumped{"change",          std::move(op),    "public.customers", std::move(key),
                std::move(before), std::move(after), std::move(routes)};
}

class ConsumeChangesTest : public DebeziumFixture {
 protected:
  // Runs fanout until its dump holds `expected_lines` lines, then stops it with SIGTERM and
  // expects a clean exit. Returns the parsed dump.
  std::vector<Dumped> RunUntil(const std::string& config, const std::string& dump,
                               std::size_t expected_lines) {
    const std::string log = dump + ".log";
    ChildProcess fanout({FANOUT_BINARY, "run", "-c", config, "--dump-events", dump}, log);
    bool reached =
        WaitFor([&] { return ReadLines(dump).size() >= expected_lines || !fanout.running(); },
                std::chrono::seconds(90));
    EXPECT_TRUE(reached && fanout.running())
        << "fanout did not consume " << expected_lines << " events; log:\n"
        << ReadFile(log);
    // A moment more: anything beyond the expected events would show up as a failure below.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    fanout.Signal(SIGTERM);
    std::optional<int> status = fanout.Wait(std::chrono::seconds(30));
    EXPECT_EQ(status, std::optional<int>(0)) << ReadFile(log);
    std::string output = ReadFile(log);
    EXPECT_THAT(output, HasSubstr("fanout: stopped after"));
    return ReadDump(dump);
  }
};

TEST_F(ConsumeChangesTest, ConsumesExactlyTheChangesAndResumesFromCommittedOffsets) {
  CreateDatabase(R"(
    create table public.customers (id int primary key, email text not null, name text);
    alter table public.customers replica identity full;
  )");
  RegisterConnector("public.customers");

  ASSERT_TRUE(db_->Exec(R"(
    insert into public.customers values (1, 'ann@example.com', 'Ann'), (2, 'bob@example.com', 'Bob');
    insert into public.customers values (3, 'cy@example.com', null);
    update public.customers set email = 'bob@example.org' where id = 2;
    delete from public.customers where id = 3;
  )"));

  const std::string config = WriteFanoutConfig(name_ + "-group");
  std::vector<Dumped> first = RunUntil(config, TempPath("first.jsonl"), 6);
  EXPECT_THAT(
      first,
      ElementsAre(
          Change("c", R"({"id":1})", "null", R"({"id":1,"email":"ann@example.com","name":"Ann"})"),
          Change("c", R"({"id":2})", "null", R"({"id":2,"email":"bob@example.com","name":"Bob"})"),
          Change("c", R"({"id":3})", "null", R"({"id":3,"email":"cy@example.com","name":null})"),
          Change("u", R"({"id":2})", R"({"id":2,"email":"bob@example.com","name":"Bob"})",
                 R"({"id":2,"email":"bob@example.org","name":"Bob"})"),
          Change("d", R"({"id":3})", R"({"id":3,"email":"cy@example.com","name":null})", "null"),
          Dumped{"tombstone", "", "", R"({"id":3})", "null", "null", "[]"}));

  // More changes while fanout is down; the restarted instance must see only these.
  ASSERT_TRUE(db_->Exec(R"(
    insert into public.customers values (4, 'dee@example.com', 'Dee');
    update public.customers set name = 'Anna' where id = 1;
  )"));
  std::vector<Dumped> second = RunUntil(config, TempPath("second.jsonl"), 2);
  EXPECT_THAT(second, ElementsAre(Change("c", R"({"id":4})", "null",
                                         R"({"id":4,"email":"dee@example.com","name":"Dee"})"),
                                  Change("u", R"({"id":1})",
                                         R"({"id":1,"email":"ann@example.com","name":"Ann"})",
                                         R"({"id":1,"email":"ann@example.com","name":"Anna"})")));
}

TEST_F(ConsumeChangesTest, RoutesRealChangesWithPredicatesAndTemplates) {
  CreateDatabase(R"(
    create table public.customers (id int primary key, email text not null, name text, tier text);
    alter table public.customers replica identity full;
  )");
  RegisterConnector("public.customers");
  ASSERT_TRUE(db_->Exec(R"(
    insert into public.customers values (1, 'ann@example.com', 'Ann', 'basic');
    insert into public.customers values (2, 'bob@example.com', 'Bob', 'vip');
    update public.customers set name = 'Anna' where id = 1;
    update public.customers set email = 'ann@example.org' where id = 1;
    delete from public.customers where id = 2;
  )"));
  const std::string routes = R"(sinks:
  cache: { type: redis, url: "redis://127.0.0.1:1/0" }
  search: { type: elasticsearch, url: "http://127.0.0.1:1" }
routes:
  - name: email-cache
    from: public.customers
    ops: [u, d]
    when: changed(email)
    to: cache
    invalidate: ["customer:{id}", "customer:email:{before.email}"]
  - name: vip-search
    from: "public.*"
    when: after.tier == 'vip'
    to: search
    index: "{table}-{tier}"
    id: "{key.id}"
)";
  const std::string config = WriteFanoutConfig(name_ + "-routes", routes);
  std::vector<Dumped> dump = RunUntil(config, TempPath("routes.jsonl"), 6);
  ASSERT_EQ(dump.size(), 6u);
  EXPECT_EQ(dump[0].routes, "[]") << "basic-tier insert: no route";
  EXPECT_EQ(dump[1].routes,
            R"([{"route":"vip-search","index":["customers-vip"],"id":["2"],"ok":true}])");
  EXPECT_EQ(dump[2].routes, "[]") << "name change: email unchanged";
  EXPECT_EQ(
      dump[3].routes,
      R"([{"route":"email-cache","invalidate":["customer:1","customer:email:ann@example.com"],"ok":true}])");
  EXPECT_EQ(dump[4].op, "d");
  EXPECT_EQ(
      dump[4].routes,
      R"([{"route":"email-cache","invalidate":["customer:2","customer:email:bob@example.com"],"ok":true}])")
      << "a delete counts as a change of every column";
  EXPECT_EQ(dump[5].kind, "tombstone");
  EXPECT_EQ(dump[5].routes, "[]");
  EXPECT_THAT(ReadFile(TempPath("routes.jsonl.log")),
              HasSubstr("routes: email-cache=2 vip-search=1 unmatched=2"));
}

}  // namespace
}  // namespace fanout::testing
