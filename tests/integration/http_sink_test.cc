// The HTTP sink end to end: changes stream from PostgreSQL through Debezium and fanout to an HTTP
// service that is down at first (503), then throttles (429 with Retry-After), and rejects one
// change for good (400); fanout is killed with SIGKILL once along the way and restarted.
//
// What must hold (HTTP is at least once, deduplicated by Idempotency-Key:
// docs/ARCHITECTURE.md#guarantees):
//   - every change is accepted by the service at least once, and the distinct idempotency keys
//     of the accepted requests are exactly one per change (the rejected one aside);
//   - the first acceptance of each change comes in per-key order;
//   - the rejected change is in the dead-letter topic with the service's reason, and nothing
//     else is: an unavailable or throttling service is retried, never dead-lettered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/support/debezium_fixture.h"
#include "tests/support/http_test_server.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kChanges = 120;
constexpr int kKeys = 12;
constexpr unsigned kSeed = 20261122;
constexpr int kUnavailableAnswers = 3;

// What the service accepted: per idempotency key, the first acceptance's (id, seq) in arrival
// order; duplicates counted.
class Service {
 public:
  explicit Service(HttpTestServer* server) : server_(server) {
    server_->SetResponder([this](const ReceivedRequest& request) { return Answer(request); });
  }

  // The server's thread must not call into a destroyed Service.
  ~Service() { server_->SetResponder({}); }
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  std::size_t distinct() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return accepted_keys_.size();
  }
  std::size_t duplicates() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return duplicates_;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> firsts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return firsts_;
  }
  std::set<std::int64_t> accepted_seqs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::set<std::int64_t> out;
    for (const auto& [id, seq] : firsts_) out.insert(seq);
    return out;
  }
  int throttled() const { return throttled_.load(); }
  // The service is fixed: it takes the poison from now on.
  void AcceptPoison() { accept_poison_.store(true); }

 private:
  ScriptedResponse Answer(const ReceivedRequest& request) {
    const int n = requests_.fetch_add(1);
    if (n < kUnavailableAnswers) return ScriptedResponse{.status = 503, .body = "warming up"};
    if (n == kUnavailableAnswers) {
      throttled_.fetch_add(1);
      return ScriptedResponse{.status = 429, .headers = {{"Retry-After", "1"}}};
    }
    if (!accept_poison_.load() && request.body.find(R"("note":"poison")") != std::string::npos) {
      return ScriptedResponse{.status = 400, .body = "poison is not accepted here"};
    }
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::int64_t id = -1;
    std::int64_t seq = -1;
    if (parser.parse(request.body).get(body) != simdjson::SUCCESS ||
        body["after"]["id"].get_int64().get(id) != simdjson::SUCCESS ||
        body["after"]["seq"].get_int64().get(seq) != simdjson::SUCCESS) {
      return ScriptedResponse{.status = 422, .body = "unexpected body"};
    }
    const std::string key = request.Header("Idempotency-Key");
    std::lock_guard<std::mutex> lock(mutex_);
    if (accepted_keys_.insert(key).second) {
      firsts_.emplace_back(id, seq);
    } else {
      ++duplicates_;
    }
    return ScriptedResponse{.status = 200};
  }

  HttpTestServer* server_;
  std::atomic<int> requests_{0};
  std::atomic<int> throttled_{0};
  std::atomic<bool> accept_poison_{false};
  mutable std::mutex mutex_;
  std::set<std::string> accepted_keys_;
  std::vector<std::pair<std::int64_t, std::int64_t>> firsts_;
  std::size_t duplicates_ = 0;
};

class HttpSinkTest : public DebeziumFixture {};

TEST_F(HttpSinkTest, DeliversEveryChangeThroughOutagesThrottlingAndAKill) {
  CreateDatabase(R"(
    create sequence public.change_seq;
    create table public.items (id int primary key, seq bigint not null, note text);
  )");
  RegisterConnector("public.items");
  HttpTestServer server;
  Service service(&server);
  const std::string dlq_topic = name_ + ".dlq";
  const std::string config = WriteFanoutConfig(name_ + "-http", R"(sinks:
  svc: { type: http, url: ")" + server.Url("/cdc") + R"(", pool_size: 2, timeout: 2s }
routes:
  - name: items-http
    from: public.items
    to: svc
    path: "/items/{id}"
retry: { max_attempts: 5, backoff: 50ms..400ms }
dead_letter: { topic: )" + dlq_topic + R"( }
)");
  // Static membership: the restarted instance takes its partition back at once instead of
  // waiting for the killed one's session to time out.
  {
    std::string text = ReadFile(config);
    text.replace(
        text.find("kafka:\n"), 7,
        "kafka:\n  group.instance.id: " + name_ + "-http\n  session.timeout.ms: \"10000\"\n");
    std::ofstream(config) << text;
  }

  // Single-row transactions stamped with a sequence; one of them carries the poison note.
  std::set<std::int64_t> generated;
  std::int64_t poison_seq = -1;
  std::thread generator([&] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    std::mt19937 random(kSeed);
    std::set<int> present;
    for (int i = 0; i < kChanges; ++i) {
      const int id = 1 + static_cast<int>(random() % kKeys);
      const std::string note = i == kChanges / 3 ? "poison" : "n" + std::to_string(i);
      const std::string sql =
          present.contains(id)
              ? "update public.items set seq = nextval('public.change_seq'), note = '" + note +
                    "' where id = " + std::to_string(id)
              : "insert into public.items values (" + std::to_string(id) +
                    ", nextval('public.change_seq'), '" + note + "')";
      present.insert(id);
      const std::int64_t seq = std::stoll(db.Scalar(sql + " returning seq"));
      generated.insert(seq);
      if (note == "poison") poison_seq = seq;
      // Pacing, the point: changes keep streaming while fanout is killed.
      std::this_thread::sleep_for(std::chrono::milliseconds(random() % 40));
    }
  });

  const std::string log = TempPath("fanout.log");
  {
    ChildProcess first({FANOUT_BINARY, "run", "-c", config}, log);
    // Kill it once a third of the changes went through: what it had not committed is redone.
    ASSERT_TRUE(
        WaitFor([&] { return service.distinct() >= kChanges / 3; }, std::chrono::seconds(90)))
        << ReadFile(log);
    first.Signal(SIGKILL);
    ASSERT_TRUE(first.Wait(std::chrono::seconds(10)).has_value());
  }
  ChildProcess second({FANOUT_BINARY, "run", "-c", config}, log);
  generator.join();
  ASSERT_NE(poison_seq, -1);
  const std::size_t expected = generated.size() - 1;
  EXPECT_TRUE(WaitFor([&] { return service.distinct() >= expected; }, std::chrono::seconds(90)))
      << service.distinct() << " of " << expected << "\n"
      << ReadFile(log);
  std::vector<CapturedRecord> dlq;
  EXPECT_TRUE(WaitFor(
      [&] {
        dlq = ReadTopic(dlq_topic);
        return !dlq.empty();
      },
      std::chrono::seconds(30)));
  second.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);

  // Every change but the poison accepted, under one idempotency key each.
  std::set<std::int64_t> want = generated;
  want.erase(poison_seq);
  EXPECT_EQ(service.accepted_seqs(), want);
  EXPECT_EQ(service.distinct(), expected);
  EXPECT_GE(service.throttled(), 1);

  // First acceptances in per-key order.
  std::map<std::int64_t, std::int64_t> last_seq_by_id;
  int out_of_order = 0;
  for (const auto& [id, seq] : service.firsts()) {
    auto [it, inserted] = last_seq_by_id.emplace(id, seq);
    if (!inserted) {
      if (seq <= it->second) ++out_of_order;
      it->second = seq;
    }
  }
  EXPECT_EQ(out_of_order, 0);

  // The poison, and only the poison, dead-lettered with the service's reason (a change may be
  // dead-lettered twice when the kill came between its dead letter and its commit).
  dlq = ReadTopic(dlq_topic);
  ASSERT_FALSE(dlq.empty());
  std::vector<std::string> unexpected;
  for (const CapturedRecord& record : dlq) {
    if (record.value.value_or("").find(R"("note":"poison")") == std::string::npos) {
      unexpected.push_back(Header(record, "fanout.error.message"));
    }
  }
  EXPECT_THAT(unexpected, IsEmpty()) << "dead letters other than the poison";
  EXPECT_EQ(Header(dlq[0], "fanout.error.class"), "bad_record");
  EXPECT_EQ(Header(dlq[0], "fanout.route"), "items-http");
  EXPECT_EQ(Header(dlq[0], "fanout.sink"), "svc");
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("400"));
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("poison is not accepted here"));
  std::cout << "http run: " << kChanges << " changes, " << service.distinct() << " accepted once, "
            << service.duplicates() << " duplicates after the kill, " << dlq.size()
            << " dead letters\n";

  // Once the service takes it, `fanout dlq replay` re-drives the poison through the HTTP sink:
  // delivered once, and a second replay has nothing left to do.
  service.AcceptPoison();
  for (int run = 0; run < 2; ++run) {
    const std::string replay_log = TempPath("replay.log");
    ChildProcess replay({FANOUT_BINARY, "dlq", "replay", "-c", config, "--idle", "2s"}, replay_log);
    EXPECT_EQ(replay.Wait(std::chrono::seconds(60)), std::optional<int>(0)) << ReadFile(replay_log);
  }
  want.insert(poison_seq);
  EXPECT_EQ(service.accepted_seqs(), want) << "the poison was not delivered by the replay";
  EXPECT_EQ(service.distinct(), expected + 1);
  EXPECT_EQ(ReadTopic(dlq_topic).size(), dlq.size()) << "the replay dead-lettered again";

  const std::string text = ReadFile(log);
  const std::size_t stopped = text.rfind("fanout: stopped after");
  ASSERT_NE(stopped, std::string::npos);
  std::cout << text.substr(stopped, text.find('\n', stopped) - stopped) << "\n";
}

// Issue 16: a row value rendered into `path` is data. A key "a/b?c=d&e#f/../x" reaches the
// service as one percent-encoded segment under the route's path (no extra segments, no climbing
// out with "..", no query or fragment of its own), and a key that is exactly ".." is
// dead-lettered rather than sent as a dot segment.
TEST_F(HttpSinkTest, PathPlaceholderValuesArriveAsOneEncodedSegment) {
  CreateDatabase("create table public.things (id text primary key, note text);");
  RegisterConnector("public.things");
  HttpTestServer server;
  const std::string dlq_topic = name_ + ".dlq";
  const std::string config = WriteFanoutConfig(name_ + "-http", R"(sinks:
  svc: { type: http, url: ")" + server.Url("/cdc") + R"(", timeout: 2s }
routes:
  - name: things-http
    from: public.things
    to: svc
    path: "/things/{id}/notes?from=fanout"
dead_letter: { topic: )" + dlq_topic + R"( }
)");
  ASSERT_TRUE(
      db_->Exec("insert into public.things values ('a/b?c=d&e#f/../x', 'hostile'), ('..', 'dots'), "
                "('plain', 'last')"));
  const std::string log = TempPath("fanout.log");
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
  std::vector<CapturedRecord> dlq;
  EXPECT_TRUE(WaitFor(
      [&] {
        if (server.requests().size() < 2) return false;
        dlq = ReadTopic(dlq_topic);
        return !dlq.empty();
      },
      std::chrono::seconds(60)))
      << ReadFile(log);
  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);

  std::vector<std::string> targets;
  for (const ReceivedRequest& request : server.requests()) targets.push_back(request.target);
  EXPECT_THAT(targets,
              ::testing::ElementsAre("/cdc/things/a%2Fb%3Fc%3Dd%26e%23f%2F..%2Fx/notes?from=fanout",
                                     "/cdc/things/plain/notes?from=fanout"));
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(Header(dlq[0], "fanout.error.class"), "bad_record");
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("path: placeholder {id}"));
  EXPECT_THAT(dlq[0].value.value_or(""), HasSubstr(R"("note":"dots")"));
}

}  // namespace
}  // namespace fanout::testing
