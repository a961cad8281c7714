// The Redis sink end to end: real Debezium events from PostgreSQL → `fanout run` → the stack's
// real Redis, checked against the source table (sinks/redis/README.md, issue 6 "How it will be
// checked").
//
// The source is public.customers (id int primary key, email text, name text, seq bigint) with
// REPLICA IDENTITY FULL, so updates and deletes carry the whole before image. A generator thread
// (deterministic seed) makes a random mix of inserts, updates, e-mail changes, deletes and
// primary-key changes (`update ... set id = ...`, which Debezium sends as d + c), every statement
// stamping the row with a fresh `seq`. Two routes go to one redis sink:
//   - `cust-copy`: upsert of the projected row at `<prefix>:cust:{id}` (json or hash);
//   - `cust-email`: invalidate `<prefix>:email:{email}` (before and after image).
// Before each change the generator caches `<prefix>:email:<addr>` for every address the change
// touches (as an application would), so at the end no such key may remain.
//
// What must hold once fanout caught up:
//   - every source row is cached, equal to the row as the sink projects it (and with a live
//     version marker); no deleted id (nor the old id of a primary-key change) has a value, and
//     what is left of it is at most a tombstone (a version marker with a TTL);
//   - no value is older than its source row; and while the run goes on, a sampler reading the
//     cache every few ms never sees a key's `seq` go backwards (an older replay overwriting a
//     newer value after a kill would);
//   - every e-mail key a change touched is gone, keys no change touched are still there;
//   - nothing was dead-lettered (topic empty, no "dead-lettered" in the log).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sinks/redis/settings.h"
#include "tests/support/customer_changes.h"
#include "tests/support/debezium_fixture.h"
#include "tests/support/http_call.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Clock = std::chrono::steady_clock;

constexpr unsigned kSeed = 20261122;
constexpr int kMaxId = 40;        // ids live in 1..kMaxId (inserts and primary-key changes)
constexpr int kInitialRows = 12;  // rows 1..12 exist before the connector: snapshot reads
constexpr auto kConverge = std::chrono::seconds(30);  // bound on catching up; never reached green

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The row as `format: json` stores it: compact, columns in table order.
std::string ExpectedJson(int id, const Customer& row) {
  return "{\"id\":" + std::to_string(id) + ",\"email\":" + JsonQuote(row.email) +
         ",\"name\":" + (row.name ? JsonQuote(*row.name) : "null") +
         ",\"seq\":" + std::to_string(row.seq) + "}";
}

// The row as `format: hash` stores it, without its `_fanout_version` field.
std::map<std::string, std::string> ExpectedHash(int id, const Customer& row) {
  std::map<std::string, std::string> out = {
      {"id", std::to_string(id)}, {"email", row.email}, {"seq", std::to_string(row.seq)}};
  if (row.name) out["name"] = *row.name;
  return out;
}

// A decimal seq, or -2 when the text is not one.
std::int64_t ParseSeq(const std::string& text) {
  std::int64_t value = -2;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : -2;
}

// -------------------------------------------------------------------------------------- the test

enum class Format { kJson, kHash };

class RedisE2eTest : public DebeziumFixture {
 protected:
  void TearDown() override {
    // Threads a failed assertion may have left running.
    StopSampler();
    stop_generating_ = true;
    phase_ = 2;
    if (generator_.joinable()) generator_.join();
    // Keys of this test only (its prefix), also the version markers and tombstones.
    if (!prefix_.empty()) {
      RedisClient redis;
      if (std::optional<Reply> keys = redis.Run({"KEYS", prefix_ + "*"})) {
        for (const Reply& key : keys->elements) (void)redis.Run({"DEL", key.text});
      }
    }
    DebeziumFixture::TearDown();
  }

  // The source table with kInitialRows rows (their e-mail keys cached), its connector, and the
  // fanout config with both routes to one redis sink.
  void SetUpSource(Format format) {
    format_ = format;
    CreateDatabase(kCustomersSchema);
    prefix_ = name_ + ":";
    ASSERT_TRUE(changes_.Seed(*db_, kInitialRows));
    for (const auto& [id, row] : changes_.model()) CacheEmail(redis_, row.email);
    // E-mail keys no change touches: invalidation must leave them alone.
    for (int i = 0; i < 3; ++i) {
      bystanders_.push_back(EmailKey("bystander" + std::to_string(i) + "@example.com"));
      ASSERT_TRUE(redis_.Run({"SET", bystanders_.back(), "cached"}).has_value());
    }
    RegisterConnector("public.customers", /*partitions=*/2);
    dlq_topic_ = name_ + ".dlq";
    config_ = WriteFanoutConfig(name_ + "-redis", R"(sinks:
  cache: { type: redis, url: "${FANOUT_REDIS_URL}", pool_size: 4, timeout: 2s }
routes:
  - name: cust-copy
    from: public.customers
    to: cache
    upsert: ")" + prefix_ + R"(cust:{id}"
    format: )" + (format == Format::kJson ? "json" : "hash") +
                                                      R"(
  - name: cust-email
    from: public.customers
    to: cache
    invalidate: [")" + prefix_ + R"(email:{email}"]
retry: { max_attempts: 5, backoff: 50ms..1s }
dead_letter: { topic: )" + dlq_topic_ + R"( }
admin: { listen: "127.0.0.1:0" }
)");
    // Static membership: a restarted instance takes its partitions back at once instead of
    // waiting for the killed one's session to time out.
    std::string text = ReadFile(config_);
    text.replace(
        text.find("kafka:\n"), 7,
        "kafka:\n  group.instance.id: " + name_ + "-redis\n  session.timeout.ms: \"10000\"\n");
    std::ofstream(config_) << text;
    log_ = TempPath("fanout.log");
  }

  std::string CustKey(int id) const { return prefix_ + "cust:" + std::to_string(id); }
  std::string EmailKey(const std::string& email) const { return prefix_ + "email:" + email; }

  // What an application does when it reads a customer by e-mail: caches it. May fail while the
  // server is stopped (then nothing is cached either).
  void CacheEmail(RedisClient& redis, const std::string& email) {
    (void)redis.Run({"SET", EmailKey(email), "cached"});
  }

  // How often fanout was given partitions (empty assignments not counted).
  std::size_t Assignments() {
    const std::string text = ReadFile(log_);
    std::size_t n = 0;
    for (std::size_t at = text.find("kafka: assigned "); at != std::string::npos;
         at = text.find("kafka: assigned ", at + 1)) {
      if (text.compare(at, 23, "kafka: assigned nothing") != 0) ++n;
    }
    return n;
  }

  // Why fanout is not running: its exit status (0 after a SIGTERM or SIGINT it did not get
  // from this test), and its log.
  std::string Exited(ChildProcess& fanout) {
    const std::optional<int> status = fanout.Wait(std::chrono::milliseconds(0));
    return "fanout exited with status " + (status ? std::to_string(*status) : "?") + "\n" +
           ReadFile(log_);
  }

  std::unique_ptr<ChildProcess> StartFanout() {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{FANOUT_BINARY, "run", "-c", config_}, log_);
  }

  // Runs `changes` steps from `first` on, sleeping up to `max_pause_ms` between them.
  void Generate(int first, int changes, int max_pause_ms, std::mt19937& random, Postgres& db,
                RedisClient& redis) {
    for (int i = first; i < first + changes && !stop_generating_; ++i) {
      // Before each change, its e-mail keys are cached (as an application reading them would).
      const CustomerChanges::Change change =
          changes_.Step(i, random, db, [&](const CustomerChanges::Change& next) {
            for (const std::string& address : next.emails) CacheEmail(redis, address);
          });
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++kinds_[change.kind];
      }
      ++generated_;
      // Pacing, the point: changes keep streaming while fanout is killed or Redis is down.
      std::this_thread::sleep_for(
          std::chrono::milliseconds(random() % static_cast<unsigned>(max_pause_ms)));
    }
  }

  // Reads every cust key's seq (-1: no value, -2: unreadable) in one round trip.
  std::optional<std::map<int, std::int64_t>> CachedSeqs(RedisClient& redis) {
    std::vector<std::vector<std::string>> commands;
    for (int id = 1; id <= kMaxId; ++id) {
      if (format_ == Format::kJson) {
        commands.push_back({"GET", CustKey(id)});
      } else {
        commands.push_back({"HGET", CustKey(id), "seq"});
      }
    }
    std::vector<std::optional<Reply>> replies = redis.Pipeline(commands);
    std::map<int, std::int64_t> out;
    simdjson::dom::parser parser;
    for (int id = 1; id <= kMaxId; ++id) {
      const std::optional<Reply>& reply = replies[static_cast<std::size_t>(id - 1)];
      if (!reply) return std::nullopt;  // the server is away
      std::int64_t seq = -2;
      if (reply->type == Reply::Type::kNil) {
        seq = -1;
      } else if (format_ == Format::kJson) {
        simdjson::dom::element value;
        if (parser.parse(reply->text).get(value) == simdjson::SUCCESS) {
          if (value["seq"].get_int64().get(seq) != simdjson::SUCCESS) seq = -2;
        }
      } else if (reply->type == Reply::Type::kString) {
        seq = ParseSeq(reply->text);
      }
      out[id] = seq;
    }
    return out;
  }

  // A thread reading the cache every 20 ms: a key's seq may only grow (a value disappears on a
  // delete and may come back newer), never go back to an older one.
  void StartSampler() {
    sampling_ = true;
    sampler_ = std::thread([this] {
      RedisClient redis;
      std::map<int, std::int64_t> newest;
      while (sampling_) {
        std::optional<std::map<int, std::int64_t>> seqs = CachedSeqs(redis);
        if (seqs) {
          std::lock_guard<std::mutex> lock(mutex_);
          ++samples_;
          for (const auto& [id, seq] : *seqs) {
            if (seq == -2) {
              regressions_.push_back(CustKey(id) + " holds a value without a readable seq");
            } else if (seq >= 0) {
              std::int64_t& seen = newest[id];
              if (seq < seen) {
                regressions_.push_back(CustKey(id) + ": seq " + std::to_string(seq) + " after " +
                                       std::to_string(seen));
              }
              seen = std::max(seen, seq);
            }
          }
        }
        // The sampling period, the point: a regression must be seen while it lasts.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }

  void StopSampler() {
    sampling_ = false;
    if (sampler_.joinable()) sampler_.join();
  }

  // Everything in which the cache differs from the source now; empty once converged.
  std::vector<std::string> Divergence() {
    std::vector<std::string> out;
    const std::map<int, Customer> rows = ReadCustomers(*db_);
    for (int id = 1; id <= kMaxId; ++id) {
      const std::string key = CustKey(id);
      const std::string marker = key + ":fanout:version";
      std::vector<std::optional<Reply>> replies = redis_.Pipeline(
          {{"TYPE", key}, {"GET", key}, {"HGETALL", key}, {"GET", marker}, {"PTTL", marker}});
      if (!replies[0] || !replies[4]) {
        out.push_back("redis unreachable");
        return out;
      }
      const std::string type = replies[0]->text;
      const long long marker_ttl = replies[4]->integer;
      auto found = rows.find(id);
      if (found == rows.end()) {
        // Deleted (or moved away by a key change): no value; at most a tombstone.
        if (type != "none") out.push_back(key + ": deleted row still cached (" + type + ")");
        if (marker_ttl == -1) out.push_back(marker + ": live version without a value");
        continue;
      }
      const Customer& row = found->second;
      std::int64_t cached_seq = -1;
      if (format_ == Format::kJson) {
        const std::string want = ExpectedJson(id, row);
        const std::string got = type == "string" ? replies[1]->text : "<" + type + ">";
        if (got != want) out.push_back(key + ": want " + want + ", got " + got);
        simdjson::dom::parser parser;
        simdjson::dom::element value;
        if (type == "string" && parser.parse(got).get(value) == simdjson::SUCCESS) {
          if (value["seq"].get_int64().get(cached_seq) != simdjson::SUCCESS) cached_seq = -1;
        }
        if (marker_ttl != -1 || replies[3]->text.rfind("pg@", 0) != 0) {
          out.push_back(marker + ": want a live pg@ version, got '" + replies[3]->text + "' ttl " +
                        std::to_string(marker_ttl));
        }
      } else {
        std::map<std::string, std::string> got;
        const std::vector<Reply>& all = replies[2]->elements;
        for (std::size_t i = 0; i + 1 < all.size(); i += 2) got[all[i].text] = all[i + 1].text;
        const std::string version = got["_fanout_version"];
        got.erase("_fanout_version");
        if (type != "hash" || got != ExpectedHash(id, row)) {
          std::string fields;
          for (const auto& [field, value] : got) fields += field + "=" + value + " ";
          out.push_back(key + ": want the row with seq " + std::to_string(row.seq) + ", got <" +
                        type + "> " + fields);
        }
        if (got.contains("seq")) cached_seq = ParseSeq(got["seq"]);
        if (version.rfind("pg@", 0) != 0) out.push_back(key + ": no pg@ _fanout_version");
        if (marker_ttl != -2) out.push_back(marker + ": should not exist beside a hash");
      }
      if (cached_seq >= 0 && cached_seq < row.seq) {
        out.push_back(key + ": OLDER than the source (seq " + std::to_string(cached_seq) + " < " +
                      std::to_string(row.seq) + ")");
      }
    }
    // Every e-mail key a change touched was invalidated; the bystanders were not.
    std::optional<Reply> emails = redis_.Run({"KEYS", EmailKey("*")});
    if (!emails) return {"redis unreachable"};
    std::set<std::string> left;
    for (const Reply& key : emails->elements) left.insert(key.text);
    for (const std::string& bystander : bystanders_) {
      if (left.erase(bystander) == 0) out.push_back(bystander + ": invalidated, no change had it");
    }
    for (const std::string& key : left) out.push_back(key + ": not invalidated");
    return out;
  }

  // Waits until the cache matches the source (bounded), then checks it and the dead letters.
  void CheckConverged(Clock::time_point start) {
    std::vector<std::string> divergence;
    const bool converged = WaitFor(
        [&] {
          divergence = Divergence();
          return divergence.empty();
        },
        kConverge);
    std::cout << "converged " << (converged ? "" : "NOT ") << "after " << Seconds(start) << " s\n";
    EXPECT_THAT(divergence, IsEmpty()) << "the cache differs from the source";
    {
      std::lock_guard<std::mutex> lock(mutex_);
      EXPECT_THAT(regressions_, IsEmpty()) << "a cached value went back to an older version";
      EXPECT_GT(samples_, 10);
    }
    EXPECT_THAT(ReadTopic(dlq_topic_), IsEmpty()) << "dead letters";
    EXPECT_THAT(ReadFile(log_), ::testing::Not(HasSubstr("dead-lettered")));
  }

  void PrintSummary(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::cout << what << ":";
    for (const auto& [kind, n] : kinds_) std::cout << " " << n << " " << kind;
    std::cout << "; " << changes_.model().size() << " rows at the end, " << samples_
              << " cache samples\n";
    const std::string text = ReadFile(log_);
    const std::size_t stopped = text.rfind("fanout: stopped after");
    if (stopped != std::string::npos) {
      std::cout << text.substr(stopped, text.find('\n', stopped) - stopped) << "\n";
    }
  }

  Format format_ = Format::kJson;
  std::string prefix_;
  std::string dlq_topic_;
  std::string config_;
  std::string log_;
  std::vector<std::string> bystanders_;
  RedisClient redis_;                // the test thread's
  CustomerChanges changes_{kMaxId};  // the generator's view of the table
  std::mutex mutex_;                 // guards the counters below
  std::map<std::string, int> kinds_;
  std::vector<std::string> regressions_;
  int samples_ = 0;
  std::atomic<bool> sampling_{false};
  std::thread sampler_;
  std::thread generator_;
  std::atomic<bool> stop_generating_{false};
  std::atomic<int> generated_{0};  // changes made so far
  std::atomic<int> phase_{0};      // outage test: 0 before, 1 Redis stopped, 2 started again
};

// While the changes stream, fanout is killed with SIGKILL four times at random moments (each
// time after it got its partitions back, so the kill lands on work) and restarted: what it had
// not committed is read and applied again, which the version guard must make harmless.
TEST_F(RedisE2eTest, CacheConvergesUnderKillNine) {
  constexpr int kChanges = 300;
  constexpr int kKills = 4;
  const Clock::time_point start = Clock::now();
  SetUpSource(Format::kJson);
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  // The snapshot first: the generator's changes must stream after it.
  ASSERT_TRUE(WaitFor([&] { return Divergence().empty(); }, kConverge))
      << ::testing::PrintToString(Divergence()) << ReadFile(log_);
  std::cout << "snapshot cached after " << Seconds(start) << " s\n";

  generator_ = std::thread([this] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    RedisClient redis;
    std::mt19937 random(kSeed);
    Generate(0, kChanges, 50, random, db, redis);
  });
  StartSampler();

  std::mt19937 random(kSeed + 1);
  int kills = 0;
  int kills_while_generating = 0;
  for (; kills < kKills; ++kills) {
    // The kill lands at a random moment of the work, the point of the test.
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 1300));
    if (generated_ < kChanges) ++kills_while_generating;
    fanout->Signal(SIGKILL);
    ASSERT_EQ(fanout->Wait(std::chrono::seconds(10)), std::optional<int>(128 + SIGKILL))
        << ReadFile(log_);
    const std::size_t assigned_before = Assignments();
    fanout = StartFanout();
    ASSERT_TRUE(WaitFor([&] { return Assignments() > assigned_before; }, std::chrono::seconds(30)))
        << ReadFile(log_);
  }
  generator_.join();
  EXPECT_EQ(generated_, kChanges);
  std::cout << "generated after " << Seconds(start) << " s; " << kills << " kill -9 ("
            << kills_while_generating << " while generating)\n";
  CheckConverged(start);
  StopSampler();
  EXPECT_TRUE(fanout->running()) << Exited(*fanout);
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
  EXPECT_GE(kills_while_generating, 2) << "the kills should land while changes stream";
  PrintSummary("kill -9 run");
  std::cout << "total " << Seconds(start) << " s\n";
}

// Redis is stopped while the changes stream and started again 30 s later (OutageDuration(); the
// issue's figure). fanout must keep running, retry without dead-lettering anything, report itself
// not ready (/readyz 503) while the sink is down and ready again after, say in its log that the
// sink is unavailable, and converge afterwards: the changes made before, during and after the
// outage all arrive.
TEST_F(RedisE2eTest, OutageRetriesWithoutDeadLettersAndConverges) {
  constexpr int kBefore = 60;
  constexpr int kDuring = 120;
  constexpr int kAfter = 60;
  const std::chrono::seconds kOutage = OutageDuration();
  const Clock::time_point start = Clock::now();
  SetUpSource(Format::kHash);
  RedisServer server;
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  ASSERT_TRUE(WaitFor([&] { return Divergence().empty(); }, kConverge))
      << ::testing::PrintToString(Divergence()) << ReadFile(log_);
  std::cout << "snapshot cached after " << Seconds(start) << " s\n";
  const std::uint16_t admin = AdminPortFromLog(ReadFile(log_));
  ASSERT_NE(admin, 0) << "no admin endpoint logged\n" << ReadFile(log_);
  auto readyz = [admin] { return HttpCall("127.0.0.1", admin, "GET", "/readyz"); };
  EXPECT_TRUE(WaitFor([&] { return readyz().status == 200; }, std::chrono::seconds(20)))
      << "not ready before the outage: " << readyz().body;

  // The generator runs its three phases around the outage the test thread makes: kBefore
  // changes, then (Redis stopped) kDuring, then (Redis back) kAfter.
  generator_ = std::thread([this] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    RedisClient redis;
    std::mt19937 random(kSeed + 7);
    Generate(0, kBefore, 40, random, db, redis);
    WaitFor([this] { return phase_ >= 1; }, std::chrono::seconds(30));
    Generate(kBefore, kDuring, 150, random, db, redis);
    WaitFor([this] { return phase_ >= 2; }, std::chrono::seconds(120));
    Generate(kBefore + kDuring, kAfter, 40, random, db, redis);
  });
  StartSampler();

  ASSERT_TRUE(WaitFor([&] { return generated_ >= kBefore; }, std::chrono::seconds(30)));
  ASSERT_TRUE(server.Stop()) << "Redis did not stop";
  phase_ = 1;
  const int at_stop = generated_;
  const Clock::time_point stopped = Clock::now();
  std::cout << "redis stopped after " << Seconds(start) << " s\n";
  std::string not_ready;  // /readyz's body once it said 503
  while (Clock::now() - stopped < kOutage) {
    EXPECT_TRUE(fanout->running()) << "during the outage: " << Exited(*fanout);
    if (!fanout->running()) break;
    if (not_ready.empty()) {
      if (const HttpReply reply = readyz(); reply.status == 503) {
        not_ready = reply.body;
        std::cout << "/readyz 503 after " << Seconds(stopped) << " s of outage: " << reply.body
                  << "\n";
      }
    }
    // The outage lasts kOutage whatever fanout does (the point); /readyz is polled meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const int during = generated_ - at_stop;  // changes made while it was down
  EXPECT_THAT(not_ready, HasSubstr("cache")) << "/readyz stayed ready while Redis was down";
  ASSERT_TRUE(server.Start()) << "Redis did not come back";
  phase_ = 2;
  std::cout << "redis started again after " << Seconds(stopped) << " s of outage\n";
  generator_.join();
  EXPECT_EQ(generated_, kBefore + kDuring + kAfter);
  std::cout << "generated after " << Seconds(start) << " s; " << during
            << " changes while Redis was down\n";

  CheckConverged(start);
  StopSampler();
  EXPECT_TRUE(WaitFor([&] { return readyz().status == 200; }, std::chrono::seconds(30)))
      << "not ready after the outage: " << readyz().body;
  EXPECT_TRUE(fanout->running()) << Exited(*fanout);
  EXPECT_THAT(ReadFile(log_),
              HasSubstr("sink 'cache' is unavailable; retrying without dead-lettering"));
  EXPECT_GT(during, 0) << "no change was made while Redis was down";
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
  PrintSummary("outage run");
  std::cout << "total " << Seconds(start) << " s\n";
}

}  // namespace
}  // namespace fanout::testing
