// The PostgreSQL sink end to end (issue 7, "How it will be checked"): real Debezium events from
// the source PostgreSQL → `fanout run` → the stack's real replica database.
//
// Two source tables (accounts, orders; REPLICA IDENTITY FULL), two Kafka partitions each (the
// fixture's connector sends JSON without schemas, so `amount` is float8: a schemaless numeric
// arrives as base64 bytes and would be a bad record; logical types are covered by
// postgres_sink_test.cc). A
// generator makes a random mix of inserts, updates, deletes and primary-key changes over both
// while fanout is killed with SIGKILL and restarted several times, and the replica cluster is
// restarted once. Four routes go to one postgres sink: a mirror of each table, and an
// append-only audit of each (every change a new row with its op and source position).
//
// The audit tables deliberately have NO unique key: only the processed offsets keep a replayed
// record from adding a second row. What must hold once fanout caught up:
//   - each replica table equals its source table, row for row;
//   - each audit table holds every change exactly once: as many rows as the snapshot plus the
//     changes made (a key change is two: d + c), and no (position, op, id) twice (snapshot rows
//     share one position);
//   - nothing was dead-lettered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/debezium_fixture.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Clock = std::chrono::steady_clock;

constexpr unsigned kSeed = 20261123;
constexpr int kMaxId = 30;
constexpr int kInitialRows = 8;  // per table, read by the snapshot (op r)
constexpr auto kConverge = std::chrono::seconds(60);
const char* const kTables[] = {"accounts", "orders"};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

class PostgresE2eTest : public DebeziumFixture {
 protected:
  void TearDown() override {
    stop_ = true;
    if (generator_.joinable()) generator_.join();
    if (replica_ && replica_->connected() && !schema_.empty()) {
      (void)replica_->Exec("drop schema if exists " + schema_ + " cascade", false);
    }
    DebeziumFixture::TearDown();
  }

  void SetUpSourceAndReplica() {
    std::string ddl;
    for (const char* table : kTables) {
      ddl += std::string("create table public.") + table +
             " (id int primary key, label text not null, amount float8, seq bigint not "
             "null); alter table public." +
             table + " replica identity full;";
    }
    CreateDatabase("create sequence public.change_seq;" + ddl);
    for (const char* table : kTables) {
      for (int id = 1; id <= kInitialRows; ++id) {
        ASSERT_TRUE(db_->Exec(std::string("insert into public.") + table + " values (" +
                              std::to_string(id) + ", 'init" + std::to_string(id) + "', " +
                              std::to_string(id) + ".25, nextval('public.change_seq'))"));
        ids_[table].insert(id);
      }
    }
    schema_ = name_;
    for (char& c : schema_) c = c == '-' ? '_' : c;
    replica_ = std::make_unique<Postgres>(RequireEnv("FANOUT_REPLICA_PG_URL"));
    ASSERT_TRUE(replica_->connected());
    std::string target = "create schema " + schema_ + ";";
    for (const char* table : kTables) {
      target += "create table " + schema_ + "." + table +
                " (id int primary key, label text not null, amount float8, seq bigint);";
      target += "create table " + schema_ + ".audit_" + table +
                " (n bigserial, id int, label text, amount float8, seq bigint, "
                "fanout_op text, fanout_position text);";
    }
    ASSERT_TRUE(replica_->Exec(target));
    RegisterConnector("public.accounts,public.orders", /*partitions=*/2);
    dlq_topic_ = name_ + ".dlq";
    std::string routes;
    for (const char* table : kTables) {
      routes += std::string("  - { name: mirror-") + table + ", from: public." + table +
                ", to: replica, table: " + schema_ + "." + table + " }\n";
      routes += std::string("  - { name: audit-") + table + ", from: public." + table +
                ", to: replica, mode: append, table: " + schema_ + ".audit_" + table + " }\n";
    }
    config_ = WriteFanoutConfig(name_ + "-pg",
                                "sinks:\n  replica: { type: postgres, dsn: "
                                "\"${FANOUT_REPLICA_PG_URL}\", pool_size: 2, "
                                "batch_size: 40, timeout: 3s, offsets_table: " +
                                    schema_ + ".offsets }\nroutes:\n" + routes +
                                    "retry: { max_attempts: 5, backoff: "
                                    "50ms..1s }\ndead_letter: { topic: " +
                                    dlq_topic_ + " }\n");
    std::string text = ReadFile(config_);
    text.replace(
        text.find("kafka:\n"), 7,
        "kafka:\n  group.instance.id: " + name_ + "-pg\n  session.timeout.ms: \"10000\"\n");
    std::ofstream(config_) << text;
    log_ = TempPath("fanout.log");
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

  // One random change on a random table; returns how many change events it makes.
  int Step(int i, std::mt19937& random, Postgres& db) {
    const std::string table = kTables[random() % 2];
    std::set<int>& ids = ids_[table];
    std::vector<int> present(ids.begin(), ids.end());
    std::vector<int> absent;
    for (int id = 1; id <= kMaxId; ++id) {
      if (!ids.contains(id)) absent.push_back(id);
    }
    auto pick = [&](const std::vector<int>& from) { return from[random() % from.size()]; };
    const auto r = random() % 100;
    const std::string t = "public." + table;
    const std::string seq = "nextval('public.change_seq')";
    std::string sql;
    int events = 1;
    if (present.empty() || (r < 25 && !absent.empty())) {
      const int id = pick(absent);
      sql = "insert into " + t + " values (" + std::to_string(id) + ", 'l" + std::to_string(i) +
            "', " + std::to_string(random() % 100000) + ".5, " + seq + ")";
      if (db.Exec(sql)) ids.insert(id);
    } else if (r < 65 || absent.empty()) {
      const int id = pick(present);
      sql = "update " + t + " set label = 'u" + std::to_string(i) + "', amount = " +
            (random() % 5 == 0 ? std::string("null") : std::to_string(random() % 1000) + ".01") +
            ", seq = " + seq + " where id = " + std::to_string(id);
      (void)db.Exec(sql);
    } else if (r < 85) {
      const int id = pick(present);
      sql = "delete from " + t + " where id = " + std::to_string(id);
      if (db.Exec(sql)) ids.erase(id);
    } else {
      const int id = pick(present);
      const int new_id = pick(absent);
      sql = "update " + t + " set id = " + std::to_string(new_id) + ", seq = " + seq +
            " where id = " + std::to_string(id);
      if (db.Exec(sql)) {
        ids.erase(id);
        ids.insert(new_id);
      }
      events = 2;  // Debezium: d (old key) + c (new key)
    }
    std::lock_guard<std::mutex> lock(mutex_);
    expected_events_[table] += events;
    return events;
  }

  std::string SourceRows(const std::string& table) {
    return db_->Scalar("select coalesce(string_agg(t::text, ' ' order by id), '') from public." +
                       table + " t");
  }
  std::string ReplicaRows(const std::string& table) {
    return replica_->Scalar("select coalesce(string_agg(t::text, ' ' order by id), '') from " +
                            schema_ + "." + table + " t");
  }

  // What differs between source and replica, and in the audit; empty when all is well.
  std::vector<std::string> Divergence(bool final_check) {
    std::vector<std::string> out;
    if (!replica_ || !replica_->connected()) {
      replica_ = std::make_unique<Postgres>(RequireEnv("FANOUT_REPLICA_PG_URL"));
      if (!replica_->connected()) return {"replica unreachable"};
    }
    for (const char* table : kTables) {
      const std::string source = SourceRows(table);
      const std::string replica = ReplicaRows(table);
      if (source != replica) {
        out.push_back(std::string(table) + ": source " + source + "\n  replica " + replica);
      }
      const std::string audit = schema_ + ".audit_" + table;
      const int rows = std::stoi(replica_->Scalar("select count(*) from " + audit));
      const int distinct = std::stoi(replica_->Scalar(
          "select count(distinct (fanout_position, fanout_op, id)) from " + audit));
      int expected = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        expected = kInitialRows + expected_events_[table];
      }
      if (rows != expected || distinct != rows) {
        out.push_back(std::string("audit_") + table + ": " + std::to_string(rows) + " rows, " +
                      std::to_string(distinct) + " distinct (position, op, id), want " +
                      std::to_string(expected));
        if (final_check && distinct != rows) {
          out.push_back(replica_->Scalar(
              "select string_agg(fanout_position || ' ' || fanout_op || ' ' || id || ' x' || n, "
              "', ') from (select fanout_position, fanout_op, id, count(*) n from " +
              audit + " group by 1, 2, 3 having count(*) > 1) d"));
        }
      }
    }
    return out;
  }

  // Restarts the replica cluster (used by these tests only), as stack.sh runs it.
  static bool RestartReplica() {
    const char* run_dir = std::getenv("FANOUT_RUN_DIR");
    if (run_dir == nullptr) return false;
    const std::string pg_ctl =
        std::string("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D ") + run_dir +
        "/replica/data -m fast -w ";
    if (std::system((pg_ctl + "stop >/dev/null").c_str()) != 0) return false;
    // The replica stays down for a while, the point: fanout must meet the outage.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    return std::system((pg_ctl + "-l " + run_dir + "/logs/replica.log start >/dev/null").c_str()) ==
           0;
  }

  std::string schema_;
  std::string dlq_topic_;
  std::string config_;
  std::string log_;
  std::unique_ptr<Postgres> replica_;
  std::map<std::string, std::set<int>> ids_;  // the generator's view
  std::mutex mutex_;
  std::map<std::string, int> expected_events_;
  std::thread generator_;
  std::atomic<bool> stop_{false};
  std::atomic<int> generated_{0};
};

TEST_F(PostgresE2eTest, ReplicaAndAuditExactlyOnceUnderKillNineAndReplicaRestart) {
  constexpr int kChanges = 300;
  constexpr int kKills = 5;
  const Clock::time_point start = Clock::now();
  SetUpSourceAndReplica();
  std::unique_ptr<ChildProcess> fanout = StartFanout();
  ASSERT_TRUE(WaitFor([&] { return Divergence(false).empty(); }, kConverge))
      << ::testing::PrintToString(Divergence(true)) << ReadFile(log_);
  std::cout << "snapshot replicated after " << Seconds(start) << " s\n";

  generator_ = std::thread([this] {
    Postgres db(WithDatabase(RequireEnv("FANOUT_SOURCE_PG_URL"), name_));
    std::mt19937 random(kSeed);
    for (int i = 0; i < kChanges && !stop_; ++i) {
      Step(i, random, db);
      ++generated_;
      // Pacing, the point: changes keep streaming while fanout is killed.
      std::this_thread::sleep_for(std::chrono::milliseconds(random() % 60));
    }
  });

  std::mt19937 random(kSeed + 1);
  int kills_while_generating = 0;
  bool restarted_replica = false;
  for (int kill = 0; kill < kKills; ++kill) {
    // The kill (or the replica restart) lands at a random moment of the work, the point.
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 1200));
    if (kill == 1) {
      // The replica database goes away under a running fanout, and comes back.
      restarted_replica = RestartReplica();
      replica_.reset();
      std::cout << "replica restarted after " << Seconds(start) << " s\n";
      continue;
    }
    if (generated_ < kChanges) ++kills_while_generating;
    fanout->Signal(SIGKILL);
    ASSERT_EQ(fanout->Wait(std::chrono::seconds(10)), std::optional<int>(128 + SIGKILL));
    const std::size_t assigned_before = Assignments();
    fanout = StartFanout();
    ASSERT_TRUE(WaitFor([&] { return Assignments() > assigned_before; }, std::chrono::seconds(30)))
        << ReadFile(log_);
  }
  generator_.join();
  EXPECT_EQ(generated_, kChanges);
  EXPECT_TRUE(restarted_replica) << "the replica cluster could not be restarted";
  std::vector<std::string> divergence;
  const bool converged = WaitFor(
      [&] {
        divergence = Divergence(false);
        return divergence.empty();
      },
      kConverge);
  std::cout << "converged " << (converged ? "" : "NOT ") << "after " << Seconds(start) << " s; "
            << kills_while_generating << " kills while generating\n";
  if (!converged) divergence = Divergence(true);
  EXPECT_THAT(divergence, IsEmpty());
  EXPECT_GE(kills_while_generating, 2);
  EXPECT_THAT(ReadTopic(dlq_topic_), IsEmpty()) << "dead letters";
  EXPECT_THAT(ReadFile(log_), ::testing::Not(HasSubstr("dead-lettered")));
  EXPECT_TRUE(fanout->running()) << ReadFile(log_);
  fanout->Signal(SIGTERM);
  EXPECT_EQ(fanout->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::cout << "events: accounts " << expected_events_["accounts"] << ", orders "
              << expected_events_["orders"] << " (plus " << kInitialRows
              << " snapshot rows each)\n";
  }
  const std::string text = ReadFile(log_);
  std::cout << (text.find("sink 'replica' is unavailable") != std::string::npos
                    ? "fanout saw the replica unavailable and retried\n"
                    : "fanout wrote nothing while the replica was down\n");
  const std::size_t stopped = text.rfind("fanout: stopped after");
  if (stopped != std::string::npos) {
    std::cout << text.substr(stopped, text.find('\n', stopped) - stopped) << "\n";
  }
}

}  // namespace
}  // namespace fanout::testing
