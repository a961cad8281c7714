// Zombie fencing: two `fanout run` processes configured with the SAME `transactional.id` must
// never both commit. The older one is frozen with SIGSTOP while it holds an open transaction (a
// true zombie: alive, unaware of the world moving on), a second instance starts, initialises
// transactions under that id (which fences the zombie's producer epoch and aborts its open
// transaction) and takes the partition over once the zombie's session times out. The zombie is
// then thawed with SIGCONT: it must fail with a fencing error and exit 2 (README "Exit status":
// a producer fenced by a newer instance is a runtime failure), having committed nothing, while
// the read_committed output holds exactly one record per source change.
//
// Why SIGSTOP/SIGCONT and how it is kept deterministic:
// - The zombie runs with `commit_interval: 10s`, so the records it produces stay in one open
//   transaction for 10 s; it is frozen as soon as a read_uncommitted reader sees them (about a
//   second after it starts), and the test checks that read_committed does not show them at that
//   point, so the frozen transaction is known to be open (not a lucky timing).
// - It is thawed only after its commit timer is overdue, so the first thing its loop wants to do
//   is commit that stale transaction (racing the consumer noticing that it left the group): the
//   most dangerous moment for exactly-once. Either way the commit or abort must be fenced.
// - Consumer membership is dynamic (distinct client.ids, `group.instance.id: ""` turns fanout's
//   default static membership off) with a 6 s session
//   timeout (the broker's minimum): with a shared group.instance.id the zombie would be fenced by
//   the group coordinator (FENCED_INSTANCE_ID) instead, which is not what this test is about.
// - A first incarnation of the zombie's config (same client.id and transactional.id, normal commit
//   interval) commits a first batch and stops cleanly beforehand, so the survivor must also carry
//   on from committed offsets without repeating anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/support/debezium_fixture.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBatch = 15;  // source changes per phase
constexpr int kKeys = 8;
constexpr unsigned kSeed = 20261123;
constexpr auto kZombieCommitInterval = std::chrono::seconds(10);
constexpr int kExitRuntimeError = 2;  // app/commands.h

struct OutputRecord {
  std::string key;
  std::int64_t seq = -1;
};

// The committed output with each record's key and the `seq` of its value (-1 when it has none),
// read exactly as exactly_once_test.cc reads it.
std::vector<OutputRecord> ReadCommitted(const std::string& topic) {
  std::vector<OutputRecord> out;
  simdjson::dom::parser parser;
  for (const CapturedRecord& record : ReadTopic(topic)) {
    OutputRecord r;
    r.key = record.key.value_or("");
    simdjson::dom::element value;
    if (record.value && parser.parse(*record.value).get(value) == simdjson::SUCCESS) {
      std::int64_t seq = -1;
      if (value["seq"].get_int64().get(seq) == simdjson::SUCCESS) r.seq = seq;
    }
    out.push_back(r);
  }
  return out;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class FencingTest : public DebeziumFixture {
 protected:
  void SetUpSource() {
    CreateDatabase(R"(
      create sequence public.change_seq;
      create table public.items (id int primary key, seq bigint not null, note text);
    )");
    RegisterConnector("public.items", 1);
    out_topic_ = name_ + ".out";
    transactional_id_ = name_ + "-shared-txn";
    base_config_ = WriteFanoutConfig(name_ + "-fence", R"(sinks:
  events: { type: kafka }
routes:
  - name: items-out
    from: public.items
    to: events
    topic: )" + out_topic_ + R"(
    key: "{id}"
)");
  }

  // A config for one instance: its own client.id, the shared transactional.id, dynamic
  // membership with a short session, and the given commit interval.
  std::string InstanceConfig(const std::string& file, const std::string& client,
                             const std::string& commit_interval) {
    std::string text = ReadFile(base_config_);
    const std::string interval = "commit_interval: 200ms";
    text.replace(text.find(interval), interval.size(), "commit_interval: " + commit_interval);
    text.replace(text.find("kafka:\n"), 7,
                 "kafka:\n  client.id: " + name_ + "-" + client +
                     "\n  transactional.id: " + transactional_id_ +
                     "\n  group.instance.id: \"\"" +  // dynamic membership (see the top)
                     "\n  session.timeout.ms: \"6000\"\n  heartbeat.interval.ms: \"1000\"\n");
    const std::string path = TempPath(file);
    std::ofstream(path) << text;
    return path;
  }

  // `n` single-row transactions on random keys (insert, then updates), each stamped with a fresh
  // value of a sequence; the seqs written are what must come out.
  void MakeChanges(int n) {
    for (int i = 0; i < n; ++i) {
      const int id = 1 + static_cast<int>(random_() % kKeys);
      const std::string sql =
          present_.contains(id)
              ? "update public.items set seq = nextval('public.change_seq'), note = 'u" +
                    std::to_string(generated_.size()) + "' where id = " + std::to_string(id)
              : "insert into public.items values (" + std::to_string(id) +
                    ", nextval('public.change_seq'), 'c')";
      present_.insert(id);
      const std::string seq = db_->Scalar(sql + " returning seq");
      ASSERT_FALSE(seq.empty());
      generated_.insert(std::stoll(seq));
    }
  }

  // How many records of the output a read_uncommitted reader sees: committed ones plus those of
  // open and aborted transactions.
  std::size_t CountUncommitted() {
    const std::string file = TempPath("uncommitted.jsonl");
    const std::string command = "kcat -C -J -e -q -X isolation.level=read_uncommitted -b " +
                                RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " + out_topic_ +
                                " -o beginning > " + file + " 2>/dev/null";
    std::size_t n = 0;
    if (std::system(command.c_str()) == 0) n = ReadCapturedRecords(file).size();
    std::filesystem::remove(file);
    return n;
  }

  static bool LogHas(const std::string& log, const std::string& text) {
    return ReadFile(log).find(text) != std::string::npos;
  }

  // Checks the committed output record by record: every change exactly once, per-key order kept.
  void CheckOutput(const std::vector<OutputRecord>& output) {
    std::multiset<std::int64_t> seen;
    std::map<std::string, std::int64_t> last_seq_by_key;
    int out_of_order = 0;
    for (const OutputRecord& r : output) {
      seen.insert(r.seq);
      auto [it, inserted] = last_seq_by_key.emplace(r.key, r.seq);
      if (!inserted) {
        if (r.seq <= it->second) ++out_of_order;
        it->second = r.seq;
      }
    }
    std::vector<std::int64_t> missing;
    std::vector<std::int64_t> doubled;
    for (std::int64_t seq : generated_) {
      const std::size_t n = seen.count(seq);
      if (n == 0) missing.push_back(seq);
      if (n > 1) doubled.push_back(seq);
    }
    EXPECT_EQ(output.size(), generated_.size()) << "records in the output vs changes made";
    EXPECT_THAT(missing, ::testing::IsEmpty()) << "changes that never came out";
    EXPECT_THAT(doubled, ::testing::IsEmpty()) << "changes that came out twice";
    EXPECT_EQ(out_of_order, 0) << "records out of per-key order";
    EXPECT_EQ(seen.count(-1), 0u) << "records without a seq";
  }

  std::size_t CommittedCount() { return ReadCommitted(out_topic_).size(); }

  std::string out_topic_;
  std::string transactional_id_;
  std::string base_config_;
  std::mt19937 random_{kSeed};
  std::set<int> present_;
  std::set<std::int64_t> generated_;
};

TEST_F(FencingTest, ZombieWithTheSameTransactionalIdIsFencedAndNeverCommits) {
  const auto started = Clock::now();
  SetUpSource();
  const std::string first_config = InstanceConfig("first.yaml", "zombie", "200ms");
  const std::string zombie_config =
      InstanceConfig("zombie.yaml", "zombie", std::to_string(kZombieCommitInterval.count()) + "s");
  const std::string survivor_config = InstanceConfig("survivor.yaml", "survivor", "200ms");
  const std::string first_log = TempPath("first.log");
  const std::string zombie_log = TempPath("zombie.log");
  const std::string survivor_log = TempPath("survivor.log");
  const std::string uses_shared_id = "transactional.id " + transactional_id_;

  // 1. The first incarnation commits a first batch and stops cleanly.
  ASSERT_NO_FATAL_FAILURE(MakeChanges(kBatch));
  {
    ChildProcess first({FANOUT_BINARY, "run", "-c", first_config}, first_log);
    ASSERT_TRUE(
        WaitFor([&] { return CommittedCount() >= generated_.size(); }, std::chrono::seconds(30)))
        << ReadFile(first_log);
    first.Signal(SIGTERM);
    ASSERT_EQ(first.Wait(std::chrono::seconds(20)), std::optional<int>(0)) << ReadFile(first_log);
  }
  const std::size_t committed_by_first = CommittedCount();
  ASSERT_EQ(committed_by_first, generated_.size());

  // 2. The zombie-to-be produces a second batch into a transaction it cannot commit for 10 s, and
  // is frozen while that transaction is open.
  ASSERT_NO_FATAL_FAILURE(MakeChanges(kBatch));
  ChildProcess zombie({FANOUT_BINARY, "run", "-c", zombie_config}, zombie_log);
  ASSERT_TRUE(WaitFor([&] { return LogHas(zombie_log, "fanout: joining group"); },
                      std::chrono::seconds(20)))
      << ReadFile(zombie_log);
  // The loop (and its commit timer) starts right after that line was written: the timer is due
  // at the latest kZombieCommitInterval after now.
  const auto zombie_commit_due = Clock::now() + kZombieCommitInterval;
  ASSERT_TRUE(
      WaitFor([&] { return CountUncommitted() >= generated_.size(); }, std::chrono::seconds(20)))
      << ReadFile(zombie_log);
  zombie.Signal(SIGSTOP);
  ASSERT_LT(Clock::now(), zombie_commit_due)
      << "froze the zombie too late: its transaction may have committed";
  ASSERT_EQ(CommittedCount(), committed_by_first)
      << "the zombie's second batch must still be in an open transaction when it is frozen";
  const std::size_t zombie_open_records = CountUncommitted() - committed_by_first;
  ASSERT_GE(zombie_open_records, static_cast<std::size_t>(kBatch));

  // 3. A third batch arrives while the zombie is frozen; the survivor starts with the same
  // transactional.id (fencing the zombie and aborting its open transaction), gets the partition
  // once the zombie's session times out, and commits the second and third batches.
  ASSERT_NO_FATAL_FAILURE(MakeChanges(kBatch));
  ChildProcess survivor({FANOUT_BINARY, "run", "-c", survivor_config}, survivor_log);
  ASSERT_TRUE(
      WaitFor([&] { return CommittedCount() >= generated_.size(); }, std::chrono::seconds(40)))
      << "the survivor never took over:\n"
      << ReadFile(survivor_log);
  ASSERT_TRUE(zombie.running()) << "the zombie must still be frozen:\n" << ReadFile(zombie_log);
  EXPECT_TRUE(LogHas(zombie_log, uses_shared_id)) << ReadFile(zombie_log);
  EXPECT_TRUE(LogHas(survivor_log, uses_shared_id)) << ReadFile(survivor_log);

  // 4. Thaw the zombie once its commit timer is overdue: it must be fenced and exit 2, without
  // committing anything.
  std::this_thread::sleep_until(zombie_commit_due + std::chrono::milliseconds(500));
  zombie.Signal(SIGCONT);
  const std::optional<int> zombie_exit = zombie.Wait(std::chrono::seconds(20));
  const std::string zombie_text = ReadFile(zombie_log);
  EXPECT_EQ(zombie_exit, std::optional<int>(kExitRuntimeError))
      << "a fenced instance must exit 2:\n"
      << zombie_text;
  EXPECT_THAT(Lower(zombie_text), ::testing::HasSubstr("fenced"))
      << "the zombie must say it was fenced:\n"
      << zombie_text;
  EXPECT_THAT(zombie_text, ::testing::HasSubstr("fanout: stopped after 0 commits"))
      << "the zombie must never commit:\n"
      << zombie_text;
  EXPECT_TRUE(survivor.running()) << "the survivor must not be disturbed:\n"
                                  << ReadFile(survivor_log);

  // 5. A last batch after the zombie is gone; then the whole output must hold each change exactly
  // once, and the zombie's aborted records must be in the log but invisible to read_committed.
  ASSERT_NO_FATAL_FAILURE(MakeChanges(kBatch));
  ASSERT_TRUE(
      WaitFor([&] { return CommittedCount() >= generated_.size(); }, std::chrono::seconds(30)))
      << ReadFile(survivor_log);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // anything extra would show up now
  const std::vector<OutputRecord> output = ReadCommitted(out_topic_);
  CheckOutput(output);
  EXPECT_GE(CountUncommitted(), output.size() + zombie_open_records)
      << "the zombie's aborted transaction should still be in the log, just never committed";

  survivor.Signal(SIGTERM);
  EXPECT_EQ(survivor.Wait(std::chrono::seconds(20)), std::optional<int>(0))
      << ReadFile(survivor_log);
  std::cout << "fencing run: " << generated_.size() << " changes, " << output.size()
            << " records out, zombie exit "
            << (zombie_exit ? std::to_string(*zombie_exit) : std::string("none")) << ", "
            << zombie_open_records << " zombie records aborted, "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
            << " ms\n";
}

}  // namespace
}  // namespace fanout::testing
