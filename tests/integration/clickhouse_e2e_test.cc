// The ClickHouse sink end to end: real Debezium events from PostgreSQL → `fanout run` → the
// stack's real ClickHouse, checked against the source table (sinks/clickhouse/README.md).
//
// The source is public.customers (tests/support/customer_changes.h): a generator thread makes a
// random mix of inserts, updates, e-mail changes, deletes and primary-key changes, while fanout
// is killed with SIGKILL four times and restarted. One route mirrors the table into a
// ReplacingMergeTree(_version) table of the test's own, created by `fanout init-sink --create`
// from a record of the topic.
//
// What must hold once fanout caught up: the view `FINAL WHERE NOT _deleted` equals the source
// table exactly (every row, every column; no deleted id, nor the old id of a primary-key
// change); while the run goes on, a sampler reading that view every few ms never sees a row's
// `seq` go backwards; nothing was dead-lettered. A row ClickHouse refuses (text in an Int32
// column) goes to the dead-letter topic with the server's reason, and the rows written with it
// are inserted.
//
// What this run cannot see: one instance replays from its committed offset in order, so even a
// constant `_version` would end with the newest row (checked by making it constant: the test
// still passed). The version's job, a late older change losing, is the contract suite's
// AnOlderVersionNeverOverwritesANewerOne; its value, the action builder's unit tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
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

#include "tests/support/clickhouse.h"
#include "tests/support/customer_changes.h"
#include "tests/support/debezium_fixture.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Clock = std::chrono::steady_clock;

constexpr unsigned kSeed = 20261206;
constexpr int kMaxId = 40;
constexpr int kInitialRows = 12;
constexpr auto kConverge = std::chrono::seconds(60);  // bound on catching up; never reached green

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// A row as column → compact JSON value.
using Fields = std::map<std::string, std::string>;

Fields ExpectedRow(int id, const Customer& row) {
  return {{"id", std::to_string(id)},
          {"email", JsonQuote(row.email)},
          {"name", row.name ? JsonQuote(*row.name) : "null"},
          {"seq", JsonQuote(std::to_string(row.seq))}};  // 64-bit integers come back quoted
}

std::string Describe(const Fields& fields) {
  std::string out = "{";
  for (const auto& [name, value] : fields) out += name + ":" + value + " ";
  return out + "}";
}

class ClickHouseE2eTest : public DebeziumFixture {
 protected:
  void TearDown() override {
    StopSampler();
    stop_generating_ = true;
    if (generator_.joinable()) generator_.join();
    if (!table_.empty()) (void)clickhouse_.Query("DROP TABLE IF EXISTS " + table_);
    DebeziumFixture::TearDown();
  }

  void WriteConfig(const std::string& routes_yaml) {
    dlq_topic_ = name_ + ".dlq";
    config_ = WriteFanoutConfig(name_ + "-warehouse", R"(sinks:
  warehouse: { type: clickhouse, url: "${FANOUT_CLICKHOUSE_URL}", pool_size: 4, timeout: 5s }
routes:
)" + routes_yaml + R"(retry: { max_attempts: 5, backoff: 50ms..1s }
dead_letter: { topic: )" + dlq_topic_ + R"( }
admin: { listen: "127.0.0.1:0" }
)");
    std::string text = ReadFile(config_);
    text.replace(
        text.find("kafka:\n"), 7,
        "kafka:\n  group.instance.id: " + name_ + "-warehouse\n  session.timeout.ms: \"10000\"\n");
    std::ofstream(config_) << text;
    log_ = TempPath("fanout.log");
  }

  // `fanout init-sink --create` with the first record of `topic` (a record with schemas).
  void InitTable(const std::string& topic) {
    std::vector<CapturedRecord> records;
    ASSERT_TRUE(WaitFor(
        [&] {
          records = ReadTopic(topic);
          return !records.empty();
        },
        std::chrono::seconds(60)))
        << "no record on " << topic;
    const CapturedRecord& first = records.front();
    const std::string event = TempPath("event.json");
    std::ofstream(event) << "{\"key\":" << JsonQuote(first.key.value_or("null"))
                         << ",\"payload\":" << JsonQuote(first.value.value_or("null")) << "}\n";
    const std::string output = TempPath("init-sink.out");
    ChildProcess init({FANOUT_BINARY, "init-sink", "-c", config_, "--sink", "warehouse", "--event",
                       event, "--create"},
                      output);
    ASSERT_EQ(init.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(output);
    EXPECT_THAT(ReadFile(output), HasSubstr("is ready"));
    EXPECT_EQ(clickhouse_.Must("EXISTS TABLE " + table_), "1");
  }

  void SetUpCustomers() {
    CreateDatabase(kCustomersSchema);
    table_ = "e2e_" + name_;
    for (char& c : table_) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    ASSERT_TRUE(changes_.Seed(*db_, kInitialRows));
    RegisterConnector("public.customers", /*partitions=*/2, /*with_schemas=*/true);
    WriteConfig(
        "  - name: cust-warehouse\n    from: public.customers\n    to: warehouse\n"
        "    table: " +
        table_ + "\n");
    InitTable(topic_prefix() + ".public.customers");
  }

  std::unique_ptr<ChildProcess> StartFanout() {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{FANOUT_BINARY, "run", "-c", config_}, log_);
  }

  std::size_t Assignments() {
    const std::string text = ReadFile(log_);
    std::size_t n = 0;
    for (std::size_t at = text.find("kafka: assigned "); at != std::string::npos;
         at = text.find("kafka: assigned ", at + 1)) {
      if (text.compare(at, 23, "kafka: assigned nothing") != 0) ++n;
    }
    return n;
  }

  // The live rows, as the README says to read them; nullopt when ClickHouse does not answer.
  std::optional<std::map<int, Fields>> Rows(ClickHouseClient& client) {
    const HttpReply reply = client.Query("SELECT id, email, name, seq FROM " + table_ +
                                         " FINAL WHERE NOT _deleted FORMAT JSONEachRow");
    if (reply.status != 200) return std::nullopt;
    std::map<int, Fields> out;
    simdjson::dom::parser parser;
    std::size_t start = 0;
    while (start < reply.body.size()) {
      std::size_t end = reply.body.find('\n', start);
      if (end == std::string::npos) end = reply.body.size();
      simdjson::dom::object row;
      if (parser.parse(reply.body.substr(start, end - start)).get(row) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      Fields fields;
      for (auto [name, value] : row) fields[std::string(name)] = simdjson::minify(value);
      out[std::stoi(fields["id"])] = std::move(fields);
      start = end + 1;
    }
    return out;
  }

  void StartSampler() {
    sampling_ = true;
    sampler_ = std::thread([this] {
      ClickHouseClient client;
      std::map<int, std::int64_t> newest;
      while (sampling_) {
        if (std::optional<std::map<int, Fields>> rows = Rows(client)) {
          std::lock_guard<std::mutex> lock(mutex_);
          ++samples_;
          for (const auto& [id, fields] : *rows) {
            const std::string& text = fields.at("seq");
            const std::int64_t seq = std::stoll(text.substr(text.front() == '"' ? 1 : 0));
            std::int64_t& seen = newest[id];
            if (seq < seen) {
              regressions_.push_back("row " + std::to_string(id) + ": seq " + std::to_string(seq) +
                                     " after " + std::to_string(seen));
            }
            seen = std::max(seen, seq);
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }

  void StopSampler() {
    sampling_ = false;
    if (sampler_.joinable()) sampler_.join();
  }

  std::vector<std::string> Divergence() {
    std::optional<std::map<int, Fields>> rows = Rows(clickhouse_);
    if (!rows) return {"clickhouse unreachable"};
    const std::map<int, Customer> source = ReadCustomers(*db_);
    std::vector<std::string> out;
    for (int id = 1; id <= kMaxId; ++id) {
      auto want = source.find(id);
      auto got = rows->find(id);
      if (want == source.end()) {
        if (got != rows->end()) {
          out.push_back("row " + std::to_string(id) + ": deleted at the source, live here " +
                        Describe(got->second));
        }
        continue;
      }
      const Fields expected = ExpectedRow(id, want->second);
      if (got == rows->end()) {
        out.push_back("row " + std::to_string(id) + ": missing, want " + Describe(expected));
      } else if (got->second != expected) {
        out.push_back("row " + std::to_string(id) + ": want " + Describe(expected) + ", got " +
                      Describe(got->second));
      }
    }
    for (const auto& [id, fields] : *rows) {
      if (id < 1 || id > kMaxId) out.push_back("row " + std::to_string(id) + ": unexpected");
    }
    return out;
  }

  void Generate(int count, int max_pause_ms, std::mt19937& random, Postgres& db) {
    for (int i = 0; i < count && !stop_generating_; ++i) {
      const CustomerChanges::Change change = changes_.Step(i, random, db);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++kinds_[change.kind];
      }
      ++generated_;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(random() % static_cast<unsigned>(max_pause_ms)));
    }
  }

  std::string table_;
  std::string dlq_topic_;
  std::string config_;
  std::string log_;
  ClickHouseClient clickhouse_;  // the test thread's
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
};

// While the changes stream, fanout is killed with SIGKILL four times at random moments (each
// time after it got its partitions back, so the kill lands on work) and restarted: what it had
// not committed is read and inserted again, which the versions make harmless in the FINAL view.
TEST_F(ClickHouseE2eTest, FinalViewEqualsTheSourceUnderKillNine) {
  constexpr int kChanges = 300;
  constexpr int kKills = 4;
  const Clock::time_point start = Clock::now();
  SetUpCustomers();
  ASSERT_FALSE(HasFatalFailure());
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  ASSERT_TRUE(WaitFor([&] { return Divergence().empty(); }, kConverge))
      << ::testing::PrintToString(Divergence()) << ReadFile(log_);
  std::cout << "snapshot inserted after " << Seconds(start) << " s\n";

  generator_ = std::thread([this] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    std::mt19937 random(kSeed);
    Generate(kChanges, 50, random, db);
  });
  StartSampler();

  std::mt19937 random(kSeed + 1);
  int kills_while_generating = 0;
  for (int kill = 0; kill < kKills; ++kill) {
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
  std::cout << "generated after " << Seconds(start) << " s; " << kKills << " kill -9 ("
            << kills_while_generating << " while generating)\n";

  std::vector<std::string> divergence;
  const bool converged = WaitFor(
      [&] {
        divergence = Divergence();
        return divergence.empty();
      },
      kConverge);
  std::cout << "converged " << (converged ? "" : "NOT ") << "after " << Seconds(start) << " s\n";
  EXPECT_THAT(divergence, IsEmpty()) << "the FINAL view differs from the source";
  StopSampler();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_THAT(regressions_, IsEmpty()) << "a row went back to an older version";
    EXPECT_GT(samples_, 10);
    EXPECT_GT(kinds_["key change"], 0);
    EXPECT_GT(kinds_["delete"], 0);
    std::cout << "changes:";
    for (const auto& [kind, n] : kinds_) std::cout << " " << n << " " << kind;
    std::cout << "; " << samples_ << " samples of the FINAL view\n";
  }
  // Replays are there (the kills), and harmless: more rows than live ones before a merge.
  std::cout << "rows stored (all versions): " << clickhouse_.Must("SELECT count() FROM " + table_)
            << ", live: "
            << clickhouse_.Must("SELECT count() FROM " + table_ + " FINAL WHERE NOT _deleted")
            << "\n";
  EXPECT_THAT(ReadTopic(dlq_topic_), IsEmpty()) << "dead letters";
  EXPECT_TRUE(fanout->running()) << ReadFile(log_);
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
  EXPECT_GE(kills_while_generating, 2) << "the kills should land while changes stream";
  // After OPTIMIZE ... FINAL the plain table holds one row per key (deleted ones as _deleted),
  // and the view is unchanged.
  clickhouse_.Must("OPTIMIZE TABLE " + table_ + " FINAL");
  EXPECT_EQ(clickhouse_.Must("SELECT count() - uniqExact(id) FROM " + table_), "0");
  EXPECT_THAT(Divergence(), IsEmpty());
  std::cout << "total " << Seconds(start) << " s\n";
}

// A row whose `code` the table types Int32 but which holds text: ClickHouse refuses the INSERT
// (code 27); the sink bisects the batch, the row goes to the dead-letter topic with the server's
// reason (and no row data), and the rows written with it in one statement are inserted.
TEST_F(ClickHouseE2eTest, ARowClickHouseRefusesIsDeadLetteredAndTheRestIsInserted) {
  CreateDatabase("create table public.products (id int primary key, name text, code text);");
  table_ = "e2e_products_" + std::to_string(::getpid());
  clickhouse_.Must("DROP TABLE IF EXISTS " + table_);
  clickhouse_.Must("CREATE TABLE " + table_ +
                   " (id Int32, name Nullable(String), code Nullable(Int32), _version UInt64, "
                   "_deleted UInt8) ENGINE = ReplacingMergeTree(_version) ORDER BY id");
  RegisterConnector("public.products");
  WriteConfig(
      "  - name: product-warehouse\n    from: public.products\n    to: warehouse\n"
      "    table: " +
      table_ + "\n");
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  const auto live = [&](int id) {
    return clickhouse_.Must("SELECT count() FROM " + table_ +
                            " FINAL WHERE id = " + std::to_string(id) + " AND NOT _deleted") == "1";
  };
  ASSERT_TRUE(db_->Exec("insert into public.products values (100, 'first', '100')"));
  ASSERT_TRUE(WaitFor([&] { return live(100); }, std::chrono::seconds(60))) << ReadFile(log_);
  // One statement, one transaction: consecutive records of one partition, one batch.
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
  ASSERT_TRUE(db_->Exec("insert into public.products values (5, 'bench', '50')"));
  ASSERT_TRUE(WaitFor([&] { return live(5); }, std::chrono::seconds(60))) << ReadFile(log_);
  for (int id : {1, 3, 4}) EXPECT_TRUE(live(id)) << "row " << id;
  EXPECT_FALSE(live(2));
  EXPECT_EQ(clickhouse_.Must("SELECT name, code FROM " + table_ + " FINAL WHERE id = 3"),
            "chair\t30");

  dead = ReadTopic(dlq_topic_);
  ASSERT_THAT(dead, SizeIs(1));
  const CapturedRecord& letter = dead.front();
  EXPECT_EQ(letter.key, std::optional<std::string>(R"({"id":2})"));
  ASSERT_TRUE(letter.value.has_value());
  EXPECT_THAT(*letter.value, HasSubstr("twelve")) << "the original value, unchanged";
  EXPECT_EQ(Header(letter, "fanout.error.class"), "bad_record");
  EXPECT_EQ(Header(letter, "fanout.route"), "product-warehouse");
  EXPECT_EQ(Header(letter, "fanout.sink"), "warehouse");
  const std::string reason = Header(letter, "fanout.error.message");
  EXPECT_THAT(reason, HasSubstr("ClickHouse code"));
  EXPECT_THAT(reason, ::testing::Not(HasSubstr("twelve"))) << "no row data in the reason";
  std::cout << "dead letter reason: " << reason << "\n";
  EXPECT_TRUE(fanout->running()) << ReadFile(log_);
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
}

}  // namespace
}  // namespace fanout::testing
