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
  bool operator==(const Dumped&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Dumped& d) {
  return os << d.kind << " " << d.op << " " << d.table << " key=" << d.key << " before=" << d.before
            << " after=" << d.after;
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
    out.push_back(d);
  }
  return out;
}

Dumped Change(std::string op, std::string key, std::string before, std::string after) {
  return Dumped{"change",       std::move(op),     "public.customers",
                std::move(key), std::move(before), std::move(after)};
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
          Dumped{"tombstone", "", "", R"({"id":3})", "null", "null"}));

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

}  // namespace
}  // namespace fanout::testing
