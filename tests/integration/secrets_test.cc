// No password, API key or connection string fanout is configured with reaches its output: the
// log (at debug level, the most verbose), /metrics, `fanout status`, or a dead letter's headers.
// Every sink holds a secret; some sinks are down (their errors are logged), one server echoes
// the credentials it was sent into its error answer (which travels into the dead letter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/http_test_server.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Envelope(const std::string& table, int id) {
  return R"({"before":null,"after":{"id":)" + std::to_string(id) +
         R"(,"note":"n"},"source":{"connector":"postgresql","db":"d","schema":"public",)"
         R"("table":")" +
         table + R"(","lsn":)" + std::to_string(100 + id) + R"(},"op":"c"})";
}

std::string Capture(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

TEST(SecretsTest, NoConfiguredSecretReachesAnyOutput) {
  const std::string name = "secrets" + std::to_string(::getpid());
  const std::string topic = name + ".public.things";
  const std::string dir = std::filesystem::temp_directory_path() / ("fanout-" + name);
  std::filesystem::create_directories(dir);
  const std::vector<std::string> secrets = {
      "S3cretKafkaKeyPw", "S3cretRedisPw",   "S3cretOsPw",   "S3cretApiKeyValue", "S3cretPgPw",
      "S3cretPgKvPw",     "S3cretBearerTok", "S3cretHttpPw", "S3cret%21Pct",      "S3cret!Pct"};

  // A server that refuses every change and quotes the Authorization header it got.
  HttpTestServer hook;
  hook.SetResponder([](const ReceivedRequest& request) {
    ScriptedResponse response;
    response.status = 400;
    response.body = "rejected; you sent Authorization: " + request.Header("Authorization");
    return response;
  });
  {
    std::ofstream input(dir + "/input.txt");
    // things: to the sinks that are up; then other: to those that are down, which hold their
    // records (and the offsets after them) back, not the dead letters of the first three.
    for (int id = 1; id <= 3; ++id) {
      input << R"({"id":)" << id << "}|" << Envelope("things", id) << "\n";
    }
    for (int id = 4; id <= 6; ++id) {
      input << R"({"id":)" << id << "}|" << Envelope("other", id) << "\n";
    }
  }
  ASSERT_EQ(std::system(("kcat -P -b " + RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " + topic +
                         " -K '|' -l " + dir + "/input.txt")
                            .c_str()),
            0);
  Postgres db(RequireEnv("FANOUT_REPLICA_PG_URL"));
  ASSERT_TRUE(db.connected()) << db.error();
  db.Exec("DROP TABLE IF EXISTS " + name + ", " + name + "_offsets, " + name + "_offsets_rejected");
  db.Exec("CREATE TABLE " + name + " (id int PRIMARY KEY, note text)");

  const std::string admin = "127.0.0.1:" + std::to_string(UnusedLocalPort());
  std::string replica = RequireEnv("FANOUT_REPLICA_PG_URL");  // trust auth: the password is moot
  replica.replace(replica.find("postgres@"), 9, "postgres:S3cretPgPw@");
  const std::string config = dir + "/fanout.yaml";
  std::ofstream(config)
      << "version: 1\n"
      << "kafka: { bootstrap.servers: \"${FANOUT_KAFKA_BOOTSTRAP}\", group.id: " << name
      << ", ssl.key.password: S3cretKafkaKeyPw }\n"
      << "source: { topics: [" << topic << "] }\n"
      << "processing: { commit_interval: 200ms }\n"
      << "logging: { level: debug }\n"
      << "admin: { listen: \"" << admin << "\" }\n"
      << "retry: { max_attempts: 2, backoff: 50ms..100ms }\n"
      << "sinks:\n"
      << "  down_redis: { type: redis, url: \"redis://default:S3cretRedisPw@127.0.0.1:1/0\" }\n"
      << "  down_redis2: { type: redis, url: \"redis://u:S3cret%21Pct@127.0.0.1:1/0\" }\n"
      << "  search: { type: elasticsearch, url: \"${FANOUT_OPENSEARCH_URL}\", username: u, "
         "password: S3cretOsPw }\n"
      << "  down_search: { type: elasticsearch, url: \"http://127.0.0.1:1\", api_key: "
         "S3cretApiKeyValue }\n"
      << "  db: { type: postgres, dsn: \"" << replica << "\", offsets_table: " << name
      << "_offsets }\n"
      << "  down_db: { type: postgres, dsn: \"host=127.0.0.1 port=1 dbname=x user=u "
         "password=S3cretPgKvPw connect_timeout=2\" }\n"
      << "  hook: { type: http, url: \"" << hook.Url("/in")
      << "\", headers: { Authorization: \"Bearer S3cretBearerTok\" } }\n"
      << "  down_hook: { type: http, url: \"http://127.0.0.1:1/x\", username: u, password: "
         "S3cretHttpPw }\n"
      << "routes:\n"
      << "  - { name: r1, from: public.other, to: down_redis, invalidate: [\"k:{id}\"] }\n"
      << "  - { name: r2, from: public.other, to: down_redis2, invalidate: [\"k:{id}\"] }\n"
      << "  - { name: r3, from: public.things, to: search, index: " << name << " }\n"
      << "  - { name: r4, from: public.other, to: down_search, index: " << name << " }\n"
      << "  - { name: r5, from: public.things, to: db, table: " << name << " }\n"
      << "  - { name: r6, from: public.other, to: down_db, table: t }\n"
      << "  - { name: r7, from: public.things, to: hook }\n"
      << "  - { name: r8, from: public.other, to: down_hook }\n"
      << "dead_letter: { topic: " << topic << ".dlq }\n";

  const std::string log = dir + "/fanout.log";
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
  std::vector<CapturedRecord> dlq;
  EXPECT_TRUE(WaitFor(
      [&] {
        dlq = ReadTopic(topic + ".dlq");
        return dlq.size() >= 3 && db.Scalar("SELECT count(*) FROM " + name) == "3";
      },
      std::chrono::seconds(60)))
      << ReadFile(log);
  // Every down sink has failed, logged why and is retrying: /metrics reports each one down.
  EXPECT_TRUE(WaitFor(
      [&] {
        const std::string text = Capture("curl -s -m 5 http://" + admin + "/metrics");
        for (const char* sink :
             {"down_redis", "down_redis2", "down_search", "down_db", "down_hook"}) {
          const std::string down = "fanout_sink_up{sink=\"" + std::string(sink) + "\"} 0";
          if (text.find(down) == std::string::npos) return false;
        }
        return true;
      },
      std::chrono::seconds(30)))
      << "not every down sink was reported down\n"
      << ReadFile(log);
  const std::string metrics = Capture("curl -s -m 5 http://" + admin + "/metrics");
  const std::string status =
      Capture(std::string(FANOUT_BINARY) + " status --admin " + admin + " 2>&1");
  const std::string ready = Capture("curl -s -m 5 http://" + admin + "/readyz");
  fanout.Signal(SIGTERM);
  (void)fanout.Wait(std::chrono::seconds(30));

  const std::string output = ReadFile(log);
  ASSERT_THAT(output, HasSubstr("127.0.0.1:1")) << "the down sinks' errors were logged";
  ASSERT_THAT(metrics, HasSubstr("fanout_"));
  std::string headers;
  for (const CapturedRecord& record : dlq) {
    for (const auto& [header, value] : record.headers) headers += header + "=" + value + "\n";
  }
  ASSERT_THAT(headers, HasSubstr("you sent Authorization: ***"))
      << "the server's answer is in the dead letter, its echo of the token masked";
  for (const std::string& secret : secrets) {
    EXPECT_THAT(output, Not(HasSubstr(secret))) << "log";
    EXPECT_THAT(metrics, Not(HasSubstr(secret))) << "/metrics";
    EXPECT_THAT(status, Not(HasSubstr(secret))) << "fanout status";
    EXPECT_THAT(ready, Not(HasSubstr(secret))) << "/readyz";
    EXPECT_THAT(headers, Not(HasSubstr(secret))) << "dead-letter headers";
  }
  db.Exec("DROP TABLE IF EXISTS " + name + ", " + name + "_offsets, " + name + "_offsets_rejected");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fanout::testing
