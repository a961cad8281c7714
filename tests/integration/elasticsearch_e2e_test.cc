// The Elasticsearch/OpenSearch sink end to end: real Debezium events from PostgreSQL → `fanout
// run` → the stack's real OpenSearch, checked against the source table (issue 6, checks 1, 2
// and 3 for the index; sinks/elasticsearch/README.md).
//
// The source is public.customers (tests/support/customer_changes.h): a generator thread makes a
// random mix of inserts, updates, e-mail changes, deletes and primary-key changes. One route
// mirrors it into an index of the test's own, renaming `email` to `contact` (the projection).
//
// What must hold once fanout caught up:
//   - every source row has a document equal to the projected row; no deleted id (nor the old id
//     of a primary-key change) has one;
//   - no document is older than its source row; and while the run goes on, a sampler reading
//     the index every few ms never sees a document's `seq` go backwards (an older replay
//     overwriting a newer document after a kill would);
//   - nothing was dead-lettered;
// through four kill -9 restarts (CacheConvergesUnderKillNine's counterpart), and through a 30 s
// outage of OpenSearch, during which fanout keeps running and /readyz says not ready.
// A document the index refuses (mapping conflict) goes to the dead-letter topic with the
// server's reason, and the other rows are indexed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/customer_changes.h"
#include "tests/support/debezium_fixture.h"
#include "tests/support/http_call.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/opensearch.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Clock = std::chrono::steady_clock;

constexpr unsigned kSeed = 20261207;
constexpr int kMaxId = 40;        // ids live in 1..kMaxId
constexpr int kInitialRows = 12;  // rows 1..12 exist before the connector: snapshot reads
constexpr auto kConverge = std::chrono::seconds(60);  // bound on catching up; never reached green

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// A document as field → compact JSON value, so comparisons do not depend on field order.
using Fields = std::map<std::string, std::string>;

Fields ExpectedDocument(int id, const Customer& row) {
  return {{"id", std::to_string(id)},
          {"contact", JsonQuote(row.email)},
          {"name", row.name ? JsonQuote(*row.name) : "null"},
          {"seq", std::to_string(row.seq)}};
}

std::string Describe(const Fields& fields) {
  std::string out = "{";
  for (const auto& [name, value] : fields) out += name + ":" + value + " ";
  return out + "}";
}

// The first line of the log holding `needle`, or "".
std::string LogLine(const std::string& log, const std::string& needle) {
  const std::size_t at = log.find(needle);
  if (at == std::string::npos) return "";
  const std::size_t start = log.rfind('\n', at);
  const std::size_t end = log.find('\n', at);
  return log.substr(start == std::string::npos ? 0 : start + 1,
                    end == std::string::npos ? std::string::npos
                                             : end - (start == std::string::npos ? 0 : start + 1));
}

class ElasticsearchE2eTest : public DebeziumFixture {
 protected:
  void TearDown() override {
    StopSampler();
    stop_generating_ = true;
    phase_ = 2;
    if (generator_.joinable()) generator_.join();
    if (!index_.empty()) (void)search_.Call("DELETE", "/" + index_ + "?ignore_unavailable=true");
    DebeziumFixture::TearDown();
  }

  // The fanout config: `routes_yaml` to one elasticsearch sink, static membership (a restarted
  // instance takes its partitions back at once), the admin endpoint on a free port.
  void WriteConfig(const std::string& routes_yaml) {
    dlq_topic_ = name_ + ".dlq";
    config_ = WriteFanoutConfig(name_ + "-search", R"(sinks:
  search: { type: elasticsearch, url: "${FANOUT_OPENSEARCH_URL}", pool_size: 4, timeout: 5s }
routes:
)" + routes_yaml + R"(retry: { max_attempts: 5, backoff: 50ms..1s }
dead_letter: { topic: )" + dlq_topic_ + R"( }
admin: { listen: "127.0.0.1:0" }
)");
    std::string text = ReadFile(config_);
    text.replace(
        text.find("kafka:\n"), 7,
        "kafka:\n  group.instance.id: " + name_ + "-search\n  session.timeout.ms: \"10000\"\n");
    std::ofstream(config_) << text;
    log_ = TempPath("fanout.log");
  }

  // public.customers with kInitialRows rows, its connector, and the mirroring route.
  void SetUpCustomers() {
    CreateDatabase(kCustomersSchema);
    index_ = name_ + "-customers";
    ASSERT_TRUE(changes_.Seed(*db_, kInitialRows));
    RegisterConnector("public.customers", /*partitions=*/2);
    WriteConfig(R"(  - name: cust-search
    from: public.customers
    to: search
    index: ")" + index_ +
                R"("
    rename: { email: contact }
)");
  }

  std::unique_ptr<ChildProcess> StartFanout() {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{FANOUT_BINARY, "run", "-c", config_}, log_);
  }

  std::string Exited(ChildProcess& fanout) {
    const std::optional<int> status = fanout.Wait(std::chrono::milliseconds(0));
    return "fanout exited with status " + (status ? std::to_string(*status) : "?") + "\n" +
           ReadFile(log_);
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

  // Every document of ids 1..kMaxId in one _mget (realtime: no refresh needed); nullopt when
  // OpenSearch does not answer.
  std::optional<std::map<int, Fields>> Documents(OpenSearchClient& client) {
    std::string ids;
    for (int id = 1; id <= kMaxId; ++id) ids += (id > 1 ? ",\"" : "\"") + std::to_string(id) + "\"";
    const HttpReply reply = client.Call("POST", "/" + index_ + "/_mget", "{\"ids\":[" + ids + "]}");
    std::map<int, Fields> out;
    if (reply.status == 404) return out;  // no index yet
    if (reply.status != 200) return std::nullopt;
    simdjson::dom::parser parser;
    simdjson::dom::array docs;
    if (parser.parse(reply.body)["docs"].get(docs) != simdjson::SUCCESS) return std::nullopt;
    for (simdjson::dom::element doc : docs) {
      bool found = false;
      std::string_view id;
      simdjson::dom::object source;
      if (doc["found"].get(found) != simdjson::SUCCESS || !found) continue;
      if (doc["_id"].get(id) != simdjson::SUCCESS ||
          doc["_source"].get(source) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      Fields fields;
      for (auto [name, value] : source) fields[std::string(name)] = simdjson::minify(value);
      out[std::stoi(std::string(id))] = std::move(fields);
    }
    return out;
  }

  // A thread reading the index every 20 ms: a document's seq may only grow (it disappears on a
  // delete and may come back newer), never go back to an older one.
  void StartSampler() {
    sampling_ = true;
    sampler_ = std::thread([this] {
      OpenSearchClient client;
      std::map<int, std::int64_t> newest;
      while (sampling_) {
        if (std::optional<std::map<int, Fields>> docs = Documents(client)) {
          std::lock_guard<std::mutex> lock(mutex_);
          ++samples_;
          for (const auto& [id, fields] : *docs) {
            auto seq_field = fields.find("seq");
            std::int64_t seq = -1;
            if (seq_field != fields.end()) seq = std::stoll(seq_field->second);
            std::int64_t& seen = newest[id];
            if (seq < seen) {
              regressions_.push_back("document " + std::to_string(id) + ": seq " +
                                     std::to_string(seq) + " after " + std::to_string(seen));
            }
            seen = std::max(seen, seq);
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

  // Everything in which the index differs from the source now; empty once converged.
  std::vector<std::string> Divergence() {
    std::optional<std::map<int, Fields>> docs = Documents(search_);
    if (!docs) return {"opensearch unreachable"};
    const std::map<int, Customer> rows = ReadCustomers(*db_);
    std::vector<std::string> out;
    for (int id = 1; id <= kMaxId; ++id) {
      auto row = rows.find(id);
      auto doc = docs->find(id);
      if (row == rows.end()) {
        if (doc != docs->end()) {
          out.push_back("document " + std::to_string(id) + ": deleted row still indexed " +
                        Describe(doc->second));
        }
        continue;
      }
      const Fields want = ExpectedDocument(id, row->second);
      if (doc == docs->end()) {
        out.push_back("document " + std::to_string(id) + ": missing, want " + Describe(want));
        continue;
      }
      if (doc->second != want) {
        out.push_back("document " + std::to_string(id) + ": want " + Describe(want) + ", got " +
                      Describe(doc->second));
      }
      auto seq = doc->second.find("seq");
      if (seq != doc->second.end() && std::stoll(seq->second) < row->second.seq) {
        out.push_back("document " + std::to_string(id) + ": OLDER than the source");
      }
    }
    return out;
  }

  void CheckConverged(Clock::time_point start) {
    std::vector<std::string> divergence;
    const bool converged = WaitFor(
        [&] {
          divergence = Divergence();
          return divergence.empty();
        },
        kConverge);
    std::cout << "converged " << (converged ? "" : "NOT ") << "after " << Seconds(start) << " s\n";
    EXPECT_THAT(divergence, IsEmpty()) << "the index differs from the source";
    {
      std::lock_guard<std::mutex> lock(mutex_);
      EXPECT_THAT(regressions_, IsEmpty()) << "a document went back to an older version";
      EXPECT_GT(samples_, 10);
    }
    EXPECT_THAT(ReadTopic(dlq_topic_), IsEmpty()) << "dead letters";
    EXPECT_THAT(ReadFile(log_), ::testing::Not(HasSubstr("dead-lettered")));
  }

  void Generate(int first, int count, int max_pause_ms, std::mt19937& random, Postgres& db) {
    for (int i = first; i < first + count && !stop_generating_; ++i) {
      const CustomerChanges::Change change = changes_.Step(i, random, db);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++kinds_[change.kind];
      }
      ++generated_;
      // Pacing, the point: changes keep streaming while fanout is killed or OpenSearch is down.
      std::this_thread::sleep_for(
          std::chrono::milliseconds(random() % static_cast<unsigned>(max_pause_ms)));
    }
  }

  // /readyz's status code (0: no answer).
  unsigned Readyz(std::uint16_t port) {
    return HttpCall("127.0.0.1", port, "GET", "/readyz").status;
  }

  void PrintSummary(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::cout << what << ":";
    for (const auto& [kind, n] : kinds_) std::cout << " " << n << " " << kind;
    std::cout << "; " << changes_.model().size() << " rows at the end, " << samples_
              << " index samples\n";
    const std::string stopped = LogLine(ReadFile(log_), "fanout: stopped after");
    if (!stopped.empty()) std::cout << stopped << "\n";
  }

  std::string index_;
  std::string dlq_topic_;
  std::string config_;
  std::string log_;
  OpenSearchClient search_;  // the test thread's
  CustomerChanges changes_{kMaxId};
  std::mutex mutex_;  // guards the counters below
  std::map<std::string, int> kinds_;
  std::vector<std::string> regressions_;
  int samples_ = 0;
  std::atomic<bool> sampling_{false};
  std::thread sampler_;
  std::thread generator_;
  std::atomic<bool> stop_generating_{false};
  std::atomic<int> generated_{0};
  std::atomic<int> phase_{0};  // outage test: 0 before, 1 OpenSearch stopped, 2 started again
};

// While the changes stream, fanout is killed with SIGKILL four times at random moments (each
// time after it got its partitions back, so the kill lands on work) and restarted: what it had
// not committed is read and indexed again, which the external versions must make harmless.
TEST_F(ElasticsearchE2eTest, IndexConvergesUnderKillNine) {
  constexpr int kChanges = 300;
  constexpr int kKills = 4;
  const Clock::time_point start = Clock::now();
  SetUpCustomers();
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  ASSERT_TRUE(WaitFor([&] { return Divergence().empty(); }, kConverge))
      << ::testing::PrintToString(Divergence()) << ReadFile(log_);
  std::cout << "snapshot indexed after " << Seconds(start) << " s\n";

  generator_ = std::thread([this] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    std::mt19937 random(kSeed);
    Generate(0, kChanges, 50, random, db);
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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_GT(kinds_["key change"], 0);
    EXPECT_GT(kinds_["delete"], 0);
  }
  PrintSummary("kill -9 run");
  std::cout << "total " << Seconds(start) << " s\n";
}

// A row whose `code` the index maps as an integer but which holds text: OpenSearch refuses that
// document (mapper_parsing_exception). It goes to the dead-letter topic with the server's
// reason; the rows written with it in one statement, and the rows after it, are indexed.
TEST_F(ElasticsearchE2eTest, AMappingConflictIsDeadLetteredAndTheRestIsIndexed) {
  CreateDatabase("create table public.products (id int primary key, name text, code text);");
  index_ = name_ + "-products";
  const HttpReply created = search_.Call(
      "PUT", "/" + index_,
      R"({"settings":{"number_of_replicas":0},"mappings":{"properties":{"code":{"type":"integer"}}}})");
  ASSERT_EQ(created.status, 200u) << created.body;
  RegisterConnector("public.products");
  WriteConfig(R"(  - name: product-search
    from: public.products
    to: search
    index: ")" +
              index_ + R"("
)");
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  // The topic exists once the first change is captured; then fanout is consuming.
  ASSERT_TRUE(db_->Exec("insert into public.products values (100, 'first', '100')"));
  ASSERT_TRUE(
      WaitFor([&] { return search_.Source(index_, "100").has_value(); }, std::chrono::seconds(60)))
      << ReadFile(log_);
  // One statement, one transaction: consecutive records of one partition.
  ASSERT_TRUE(
      db_->Exec("insert into public.products values (1, 'lamp', '10'), (2, 'desk', 'twelve'), "
                "(3, 'chair', '30'), (4, 'shelf', '40')"));
  std::vector<CapturedRecord> dead;
  ASSERT_TRUE(WaitFor(
      [&] {
        dead = ReadTopic(dlq_topic_);
        return !dead.empty();
      },
      std::chrono::seconds(60)))
      << ReadFile(log_);
  // The partition moved on: a later row is indexed too.
  ASSERT_TRUE(db_->Exec("insert into public.products values (5, 'bench', '50')"));
  ASSERT_TRUE(
      WaitFor([&] { return search_.Source(index_, "5").has_value(); }, std::chrono::seconds(60)))
      << ReadFile(log_);
  for (const char* id : {"1", "3", "4"}) {
    EXPECT_NE(search_.Source(index_, id), std::nullopt) << "document " << id;
  }
  EXPECT_EQ(search_.Source(index_, "2"), std::nullopt);
  EXPECT_EQ(search_.Source(index_, "1"), R"({"id":1,"name":"lamp","code":"10"})");

  dead = ReadTopic(dlq_topic_);
  ASSERT_THAT(dead, SizeIs(1));
  const CapturedRecord& letter = dead.front();
  EXPECT_EQ(letter.key, std::optional<std::string>(R"({"id":2})"));
  ASSERT_TRUE(letter.value.has_value());
  EXPECT_THAT(*letter.value, HasSubstr("twelve")) << "the original value, unchanged";
  EXPECT_EQ(Header(letter, "fanout.error.class"), "bad_record");
  EXPECT_EQ(Header(letter, "fanout.route"), "product-search");
  EXPECT_EQ(Header(letter, "fanout.sink"), "search");
  const std::string reason = Header(letter, "fanout.error.message");
  EXPECT_THAT(reason, HasSubstr("mapper_parsing_exception"));
  EXPECT_THAT(reason, HasSubstr("[code]"));
  EXPECT_THAT(reason, ::testing::Not(HasSubstr("twelve"))) << "no document data in the reason";
  EXPECT_THAT(Header(letter, "fanout.source.topic"), HasSubstr(".public.products"));
  std::cout << "dead letter reason: " << reason << "\n";
  EXPECT_TRUE(fanout->running()) << Exited(*fanout);
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
}

// OpenSearch is stopped for 30 s (OutageDuration()) while the changes stream, then started again.
// fanout must keep running, report itself not ready (/readyz 503) while the sink is down and ready
// again after, retry without dead-lettering anything, and converge: the changes made before, during
// and after the outage all arrive.
TEST_F(ElasticsearchE2eTest, OutageOf30SecondsPausesReportsNotReadyAndConverges) {
  constexpr int kBefore = 60;
  constexpr int kDuring = 150;
  constexpr int kAfter = 60;
  const std::chrono::seconds kOutage = OutageDuration();
  const Clock::time_point start = Clock::now();
  SetUpCustomers();
  OpenSearchServer server;
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  ASSERT_TRUE(WaitFor([&] { return Divergence().empty(); }, kConverge))
      << ::testing::PrintToString(Divergence()) << ReadFile(log_);
  std::cout << "snapshot indexed after " << Seconds(start) << " s\n";
  const std::uint16_t admin = AdminPortFromLog(ReadFile(log_));
  ASSERT_NE(admin, 0) << "no admin endpoint logged\n" << ReadFile(log_);
  EXPECT_TRUE(WaitFor([&] { return Readyz(admin) == 200; }, std::chrono::seconds(20)))
      << "not ready before the outage: " << HttpCall("127.0.0.1", admin, "GET", "/readyz").body;

  generator_ = std::thread([this] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    std::mt19937 random(kSeed + 7);
    Generate(0, kBefore, 40, random, db);
    WaitFor([this] { return phase_ >= 1; }, std::chrono::seconds(60));
    Generate(kBefore, kDuring, 150, random, db);
    WaitFor([this] { return phase_ >= 2; }, std::chrono::seconds(300));
    Generate(kBefore + kDuring, kAfter, 40, random, db);
  });
  StartSampler();

  ASSERT_TRUE(WaitFor([&] { return generated_ >= kBefore; }, std::chrono::seconds(30)));
  ASSERT_TRUE(server.Stop()) << "OpenSearch did not stop";
  phase_ = 1;
  const int at_stop = generated_;
  const Clock::time_point stopped = Clock::now();
  std::cout << "opensearch stopped after " << Seconds(start) << " s\n";
  bool not_ready_seen = false;
  bool restarted_by_others = false;
  std::string not_ready_body;
  while (Clock::now() - stopped < kOutage) {
    EXPECT_TRUE(fanout->running()) << "during the outage: " << Exited(*fanout);
    if (!fanout->running()) break;
    if (!not_ready_seen) {
      const HttpReply readyz = HttpCall("127.0.0.1", admin, "GET", "/readyz");
      if (readyz.status == 503) {
        not_ready_seen = true;
        not_ready_body = readyz.body;
        std::cout << "/readyz 503 after " << Seconds(stopped) << " s of outage: " << readyz.body
                  << "\n";
      }
    }
    if (!restarted_by_others && !search_.Health().empty()) {
      // The stack is shared: another user's `stack.sh up` brought it back early.
      restarted_by_others = true;
      std::cout << "WARNING: OpenSearch answered again after " << Seconds(stopped)
                << " s: started by someone else; the outage was shorter than planned\n";
    }
    // The outage lasts its planned time whatever fanout does (the point); /readyz is polled.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const int during = generated_ - at_stop;
  EXPECT_TRUE(not_ready_seen) << "/readyz stayed ready while OpenSearch was down";
  EXPECT_THAT(not_ready_body, HasSubstr("search"));
  const Clock::time_point restarting = Clock::now();
  ASSERT_TRUE(server.Start()) << "OpenSearch did not come back";
  phase_ = 2;
  std::cout << "opensearch back (yellow) " << Seconds(restarting) << " s after the restart began; "
            << Seconds(stopped) << " s of outage in all\n";
  generator_.join();
  EXPECT_EQ(generated_, kBefore + kDuring + kAfter);
  std::cout << "generated after " << Seconds(start) << " s; " << during
            << " changes while OpenSearch was down\n";

  CheckConverged(start);
  StopSampler();
  EXPECT_TRUE(WaitFor([&] { return Readyz(admin) == 200; }, std::chrono::seconds(30)))
      << "not ready after the outage: " << HttpCall("127.0.0.1", admin, "GET", "/readyz").body;
  EXPECT_TRUE(fanout->running()) << Exited(*fanout);
  EXPECT_THAT(ReadFile(log_),
              HasSubstr("sink 'search' is unavailable; retrying without dead-lettering"));
  EXPECT_GT(during, 0) << "no change was made while OpenSearch was down";
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
  PrintSummary("outage run");
  std::cout << "total " << Seconds(start) << " s\n";
}

}  // namespace
}  // namespace fanout::testing
