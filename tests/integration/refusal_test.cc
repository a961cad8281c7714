// A refusal that depends on the record (a key, path or table rendered from a row value, a value
// PostgreSQL cannot hold) dead-letters that record and fanout goes on, against the real servers;
// a refusal of the sink as a whole (its own path, its probe) still stops it. Before, each of
// these records stopped fanout, and again at every restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;

// A schemaless Debezium envelope of a PostgreSQL insert: `after_json` is the row.
std::string Envelope(const std::string& schema, const std::string& table, int lsn,
                     const std::string& after_json) {
  return R"({"before":null,"after":)" + after_json +
         R"(,"source":{"connector":"postgresql","db":"d","schema":")" + schema + R"(","table":")" +
         table + R"(","lsn":)" + std::to_string(lsn) + R"(},"op":"c"})";
}

class RefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "refuse" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    topic_ = name_ + ".in";
    dir_ = std::filesystem::temp_directory_path() / ("fanout-" + name_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Produces `lines` ("key|value") to the input topic.
  void Produce(const std::vector<std::string>& lines) {
    {
      std::ofstream input(dir_ + "/input.txt");
      for (const std::string& line : lines) input << line << "\n";
    }
    const std::string produce = "kcat -P -b " + RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " +
                                topic_ + " -K '|' -l " + dir_ + "/input.txt";
    ASSERT_EQ(std::system(produce.c_str()), 0);
  }

  std::string WriteConfig(const std::string& sinks_and_routes) {
    const std::string path = dir_ + "/fanout.yaml";
    std::ofstream(path) << "version: 1\n"
                        << "kafka: { bootstrap.servers: \"${FANOUT_KAFKA_BOOTSTRAP}\", group.id: "
                        << name_ << " }\n"
                        << "source: { topics: [" << topic_ << "] }\n"
                        << "processing: { commit_interval: 200ms }\n"
                        << "retry: { max_attempts: 3, backoff: 50ms..200ms }\n"
                        << sinks_and_routes << "dead_letter: { topic: " << topic_ << ".dlq }\n";
    return path;
  }

  // Runs fanout until `dead_letters` arrived and `done()` holds, then stops it (exit 0).
  std::vector<CapturedRecord> RunUntil(const std::string& config, std::size_t dead_letters,
                                       const std::function<bool()>& done) {
    const std::string log = dir_ + "/fanout.log";
    ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
    std::vector<CapturedRecord> dlq;
    EXPECT_TRUE(WaitFor(
        [&] {
          dlq = ReadTopic(topic_ + ".dlq");
          return dlq.size() >= dead_letters && done();
        },
        std::chrono::seconds(60)))
        << ReadFile(log);
    fanout.Signal(SIGTERM);
    EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);
    return dlq;
  }

  std::string name_;
  std::string topic_;
  std::string dir_;
};

// An ACL that allows `user:*` keys only: a row whose key renders elsewhere is refused (NOPERM)
// while the connection itself is accepted.
TEST_F(RefusalTest, RedisRefusingOneRowsKeyDeadLettersThatRow) {
  RedisClient admin;
  const std::string user = name_;
  ASSERT_TRUE(admin.Run({"ACL", "SETUSER", user, "on", ">pw-" + user, "~user:*", "&*", "+@all"}));
  ASSERT_TRUE(admin.Run({"SET", "user:" + name_ + "1", "x"}));
  ASSERT_TRUE(admin.Run({"SET", "user:" + name_ + "3", "x"}));
  Produce({R"({"id":1}|)" + Envelope("public", "things", 101,
                                     R"({"id":1,"ns":"user","tag":")" + name_ + R"("})"),
           R"({"id":2}|)" + Envelope("public", "things", 102,
                                     R"({"id":2,"ns":"admin","tag":")" + name_ + R"("})"),
           R"({"id":3}|)" + Envelope("public", "things", 103,
                                     R"({"id":3,"ns":"user","tag":")" + name_ + R"("})")});
  const std::string port = RequireEnv("FANOUT_REDIS_PORT");
  const std::string config =
      WriteConfig("sinks: { cache: { type: redis, url: \"redis://" + user + ":pw-" + user +
                  "@127.0.0.1:" + port + "/0\" } }\n" +
                  "routes:\n  - { name: drop, from: public.things, to: cache, invalidate: "
                  "[\"{after.ns}:{after.tag}{id}\"] }\n");
  auto gone = [&](const std::string& key) {
    std::optional<Reply> reply = admin.Run({"EXISTS", key});
    return reply && reply->integer == 0;
  };
  std::vector<CapturedRecord> dlq = RunUntil(
      config, 1, [&] { return gone("user:" + name_ + "1") && gone("user:" + name_ + "3"); });
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].key.value_or(""), R"({"id":2})");
  EXPECT_EQ(Header(dlq[0], "fanout.error.class"), "refused");
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("NOPERM"));
  EXPECT_EQ(Header(dlq[0], "fanout.sink"), "cache");
  (void)admin.Run({"ACL", "DELUSER", user});
}

// 403 for a path a row chose: that row is dead-lettered. 403 for the sink's own path (no `path`
// template, so no row chose it): the sink as a whole is refused, and fanout stops (exit 2).
TEST_F(RefusalTest, HttpRefusingARowsPathDeadLettersThatRowButTheSinksOwnPathStops) {
  HttpTestServer server;
  server.SetResponder([](const ReceivedRequest& request) {
    ScriptedResponse response;
    if (request.target.find("forbidden") != std::string::npos) response.status = 403;
    return response;
  });
  Produce({R"({"id":1}|)" + Envelope("public", "things", 101, R"({"id":1,"team":"a"})"),
           R"({"id":2}|)" + Envelope("public", "things", 102, R"({"id":2,"team":"forbidden"})"),
           R"({"id":3}|)" + Envelope("public", "things", 103, R"({"id":3,"team":"c"})")});
  const std::string config = WriteConfig(
      "sinks: { hook: { type: http, url: \"" + server.Url("/api") + "\", pool_size: 1 } }\n" +
      "routes:\n  - { name: notify, from: public.things, to: hook, path: \"/teams/{after.team}\" "
      "}\n");
  std::vector<CapturedRecord> dlq = RunUntil(config, 1, [&] {
    for (const ReceivedRequest& request : server.requests()) {
      if (request.target == "/api/teams/c") return true;
    }
    return false;
  });
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].key.value_or(""), R"({"id":2})");
  EXPECT_EQ(Header(dlq[0], "fanout.error.class"), "refused");
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("403"));

  // The same refusal of the sink's own URL: no row chose it.
  HttpTestServer refusing;
  refusing.SetDefault(ScriptedResponse{.status = 403});
  std::string fixed = ReadFile(config);
  fixed.replace(fixed.find(server.Url("/api")), server.Url("/api").size(), refusing.Url("/api"));
  fixed.replace(fixed.find(" path: \"/teams/{after.team}\""),
                std::string(" path: \"/teams/{after.team}\"").size(), "");
  fixed.replace(fixed.find("group.id: " + name_), ("group.id: " + name_).size(),
                "group.id: " + name_ + "b");
  const std::string stopping = dir_ + "/stopping.yaml";
  std::ofstream(stopping) << fixed;
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", stopping}, dir_ + "/stopping.log");
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(60)), std::optional<int>(2))
      << ReadFile(dir_ + "/stopping.log");
  EXPECT_THAT(ReadFile(dir_ + "/stopping.log"), HasSubstr("403"));
}

// A role that may not write one of the tables rows name (42501), a table name and a value with
// a NUL (impossible in PostgreSQL text: never stored cut), and a schema whose name holds a dot.
TEST_F(RefusalTest, PostgresRefusalsOfOneRowsTableOrValueDeadLetterThatRow) {
  Postgres db(RequireEnv("FANOUT_REPLICA_PG_URL"));
  ASSERT_TRUE(db.connected()) << db.error();
  const std::string role = name_;
  const std::string dotted = "my.schema" + std::to_string(::getpid());
  const std::string ops = name_ + "_ops";  // the role's own schema: its offsets tables
  db.Exec("DROP TABLE IF EXISTS allowed_" + name_ + ", forbidden_" + name_);
  db.Exec("DROP SCHEMA IF EXISTS \"" + dotted + "\" CASCADE");
  db.Exec("DROP SCHEMA IF EXISTS " + ops + " CASCADE");
  db.Exec("DROP ROLE IF EXISTS " + role, /*must_succeed=*/false);
  db.Exec("CREATE ROLE " + role + " LOGIN");
  db.Exec("CREATE SCHEMA " + ops + " AUTHORIZATION " + role);
  db.Exec("CREATE TABLE allowed_" + name_ + " (id int PRIMARY KEY, note text)");
  db.Exec("CREATE TABLE forbidden_" + name_ + " (id int PRIMARY KEY, note text)");
  db.Exec("GRANT ALL ON allowed_" + name_ + " TO " + role);
  db.Exec("CREATE SCHEMA \"" + dotted + "\"");
  db.Exec("CREATE TABLE \"" + dotted + "\".t (id int PRIMARY KEY, note text)");
  db.Exec("GRANT ALL ON SCHEMA \"" + dotted + "\" TO " + role);
  db.Exec("GRANT ALL ON \"" + dotted + "\".t TO " + role);

  const std::string allowed = "allowed_" + name_;
  const std::string forbidden = "forbidden_" + name_;
  Produce({R"({"id":1}|)" + Envelope("public", allowed, 101, R"({"id":1,"note":"one"})"),
           R"({"id":2}|)" + Envelope("public", forbidden, 102, R"({"id":2,"note":"two"})"),
           R"({"id":3}|)" + Envelope("public", "bad\\u0000name", 103, R"({"id":3,"note":"x"})"),
           R"({"id":4}|)" + Envelope("public", allowed, 104, R"({"id":4,"note":"a\u0000b"})"),
           R"({"id":5}|)" + Envelope(dotted, "t", 105, R"({"id":5,"note":"five"})"),
           R"({"id":6}|)" + Envelope("public", allowed, 106, R"({"id":6,"note":"six"})")});
  std::string dsn = RequireEnv("FANOUT_REPLICA_PG_URL");
  dsn.replace(dsn.find("postgres@"), std::string("postgres@").size(), role + "@");
  const std::string config =
      WriteConfig("sinks: { db: { type: postgres, dsn: \"" + dsn + "\", offsets_table: " + ops +
                  ".offsets } }\n" + "routes:\n  - { name: copy, from: \"*\", to: db }\n");
  std::vector<CapturedRecord> dlq = RunUntil(config, 3, [&] {
    return db.Scalar("SELECT count(*) FROM " + allowed) == "2" &&
           db.Scalar("SELECT count(*) FROM \"" + dotted + "\".t") == "1";
  });
  ASSERT_EQ(dlq.size(), 3u);
  std::map<std::string, std::string> why;  // key → error message
  for (const CapturedRecord& record : dlq) {
    why[record.key.value_or("")] = Header(record, "fanout.error.message");
  }
  EXPECT_THAT(why[R"({"id":2})"], HasSubstr("refused: SQLSTATE 42501"));
  EXPECT_THAT(why[R"({"id":3})"], HasSubstr("NUL character"));
  EXPECT_THAT(why[R"({"id":4})"], HasSubstr("column 'note' holds a NUL character"));
  EXPECT_EQ(db.Scalar("SELECT string_agg(note, ',' ORDER BY id) FROM " + allowed), "one,six");
  EXPECT_EQ(db.Scalar("SELECT note FROM \"" + dotted + "\".t WHERE id = 5"), "five");
  db.Exec("DROP SCHEMA \"" + dotted + "\" CASCADE");
  db.Exec("DROP TABLE " + allowed + ", " + forbidden);
  db.Exec("DROP SCHEMA " + ops + " CASCADE");
  db.Exec("DROP ROLE " + role);
}

}  // namespace
}  // namespace fanout::testing
