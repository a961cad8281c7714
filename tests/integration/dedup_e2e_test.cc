// Idempotency-key stores end to end: changes stream from PostgreSQL through Debezium and fanout to
// an HTTP service; then Debezium is made to re-emit every change it had already sent, at new
// Kafka offsets, as it does after its own crash; then more changes follow.
//
// How the re-emission is forced without touching the shared Kafka Connect worker: the connector
// runs with `flush.lsn.source: false` (it never confirms an LSN to its replication slot, so the
// slot keeps every change) and `snapshot.mode: no_data`. `connect.sh purge` stops it and deletes
// its stored offsets (KIP-875), and it is registered again with the same name and slot: with no
// offset it streams from the slot's start, i.e. re-sends every change with its original source
// position -- what Debezium does for the changes after its last offset flush when it crashes.
// The test counts the re-emitted records in the Kafka topic, so it knows the scenario happened.
//
// What must hold:
//   - with `dedup:` (a Redis store, or a PostgreSQL store): the service receives every change
//     exactly once, although the topic holds each early change twice;
//   - without `dedup:` but with fanout's re-emission filter (the default), likewise: a change at
//     or below the partition's highest source position is skipped;
//   - with neither: the same scenario delivers the early changes twice (the check that the test
//     can fail).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/debezium_fixture.h"
#include "tests/support/http_test_server.h"
#include "tests/support/jsonl_records.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

constexpr int kEarlyChanges = 40;  // delivered, then re-emitted
constexpr int kLateChanges = 20;   // only after the re-emission
constexpr int kKeys = 8;

// Deliveries per change (the change's `seq`), as the service saw them.
class Service {
 public:
  explicit Service(HttpTestServer* server) : server_(server) {
    server_->SetResponder([this](const ReceivedRequest& request) { return Answer(request); });
  }
  ~Service() { server_->SetResponder({}); }
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  std::map<std::int64_t, int> deliveries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return deliveries_;
  }
  std::size_t distinct() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return deliveries_.size();
  }
  bool Has(std::int64_t seq) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return deliveries_.contains(seq);
  }

 private:
  ScriptedResponse Answer(const ReceivedRequest& request) {
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::int64_t seq = -1;
    if (parser.parse(request.body).get(body) != simdjson::SUCCESS ||
        body["after"]["seq"].get_int64().get(seq) != simdjson::SUCCESS) {
      return ScriptedResponse{.status = 422, .body = "unexpected body"};
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++deliveries_[seq];
    return ScriptedResponse{.status = 200};
  }

  HttpTestServer* server_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, int> deliveries_;
};

// kRedis, kPostgres: a store, with fanout's own re-emission filter turned off
// (`processing.reemitted_changes: deliver`) so that the store does the work; kPosition: no store,
// the filter on (the default: a change at or below the partition's highest source position is
// skipped by the HTTP route); kOff: neither.
enum class Dedup { kRedis, kPostgres, kPosition, kOff };

class DedupEndToEndTest : public DebeziumFixture, public ::testing::WithParamInterface<Dedup> {
 protected:
  // The fixture's connector, re-emitting on demand (see the top of the file).
  void RegisterReplayableConnector() {
    const std::string path = TempPath("connector.json");
    std::ofstream(path) << R"({
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1",
  "database.port": "${FANOUT_PG_PORT}",
  "database.user": "postgres",
  "database.dbname": ")" << name_
                        << R"(",
  "topic.prefix": ")" << name_
                        << R"(",
  "plugin.name": "pgoutput",
  "slot.name": ")" << name_
                        << R"(",
  "publication.name": ")"
                        << name_ << R"(_pub",
  "publication.autocreate.mode": "filtered",
  "table.include.list": "public.items",
  "key.converter.schemas.enable": "false",
  "value.converter.schemas.enable": "false",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "snapshot.mode": "no_data",
  "flush.lsn.source": "false",
  "topic.creation.default.partitions": "1",
  "topic.creation.default.replication.factor": "1",
  "tasks.max": "1"
})";
    ASSERT_EQ(RunStackScript("connect.sh register " + name_ + " " + path + " >/dev/null"), 0);
    connector_registered_ = true;
  }

  // One change per single-row transaction, stamped with a sequence; returns the seqs.
  std::vector<std::int64_t> Generate(int count, int first) {
    std::vector<std::int64_t> seqs;
    for (int i = first; i < first + count; ++i) {
      const int id = 1 + i % kKeys;
      const std::string sql =
          i < kKeys ? "insert into public.items values (" + std::to_string(id) +
                          ", nextval('public.change_seq'), 'n" + std::to_string(i) + "')"
                    : "update public.items set seq = nextval('public.change_seq'), note = 'n" +
                          std::to_string(i) + "' where id = " + std::to_string(id);
      seqs.push_back(std::stoll(db_->Scalar(sql + " returning seq")));
    }
    return seqs;
  }

  // Records of the topic that carry no last commit LSN (`source.sequence` "[null, ...]"): a
  // connector started without offsets sends its first transaction so, and fanout's re-emission
  // filter does not judge such a change (its order is unknown).
  int WithoutCommitLsn() {
    int n = 0;
    simdjson::dom::parser parser;
    for (const CapturedRecord& record : ReadTopic(name_ + ".public.items")) {
      simdjson::dom::element value;
      std::string_view sequence;
      if (record.value && parser.parse(*record.value).get(value) == simdjson::SUCCESS &&
          value["source"]["sequence"].get_string().get(sequence) == simdjson::SUCCESS &&
          sequence.starts_with("[null")) {
        ++n;
      }
    }
    return n;
  }

  // Records of the topic per seq.
  std::map<std::int64_t, int> TopicCounts() {
    std::map<std::int64_t, int> counts;
    simdjson::dom::parser parser;
    for (const CapturedRecord& record : ReadTopic(name_ + ".public.items")) {
      if (!record.value) continue;
      simdjson::dom::element value;
      std::int64_t seq = -1;
      if (parser.parse(*record.value).get(value) == simdjson::SUCCESS &&
          value["after"]["seq"].get_int64().get(seq) == simdjson::SUCCESS) {
        ++counts[seq];
      }
    }
    return counts;
  }

  std::string SinksYaml(const std::string& http_url) {
    std::string yaml = "sinks:\n  svc: { type: http, url: \"" + http_url + "\", pool_size: 2 }\n";
    if (GetParam() == Dedup::kRedis) {
      yaml += "  keys: { type: redis, url: \"${FANOUT_REDIS_URL}\" }\n";
    }
    if (GetParam() == Dedup::kPostgres) {
      yaml += "  replica: { type: postgres, dsn: \"${FANOUT_REPLICA_PG_URL}\" }\n";
    }
    yaml += "routes:\n  - name: items-http\n    from: public.items\n    to: svc\n";
    if (GetParam() == Dedup::kRedis) yaml += "    dedup: { store: keys, ttl: 1h }\n";
    if (GetParam() == Dedup::kPostgres) yaml += "    dedup: { store: replica, ttl: 1h }\n";
    return yaml;
  }
};

TEST_P(DedupEndToEndTest, DebeziumReEmissionsAreDeliveredOnceWithAStoreAndTwiceWithout) {
  CreateDatabase(R"(
    create sequence public.change_seq;
    create table public.items (id int primary key, seq bigint not null, note text);
  )");
  RegisterReplayableConnector();
  HttpTestServer server;
  Service service(&server);
  const std::string config = WriteFanoutConfig(name_ + "-dedup", SinksYaml(server.Url("/cdc")));
  if (GetParam() != Dedup::kPosition) {
    std::string text = ReadFile(config);
    const std::string processing = "processing: { ";
    text.replace(text.find(processing), processing.size(),
                 "processing: { reemitted_changes: deliver, ");
    std::ofstream(config) << text;
  }
  const std::string log = TempPath("fanout.log");
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);

  // 1. The early changes, delivered once.
  const std::vector<std::int64_t> early = Generate(kEarlyChanges, 0);
  ASSERT_TRUE(WaitFor([&] { return service.distinct() >= early.size(); }, std::chrono::seconds(90)))
      << service.distinct() << " of " << early.size() << "\n"
      << ReadFile(log);

  // 2. Debezium forgets its offsets and re-sends them all at new Kafka offsets.
  ASSERT_EQ(RunStackScript("connect.sh purge " + name_ + " >/dev/null"), 0);
  RegisterReplayableConnector();
  std::map<std::int64_t, int> topic;
  ASSERT_TRUE(WaitFor(
      [&] {
        topic = TopicCounts();
        int twice = 0;
        for (std::int64_t seq : early) twice += topic[seq] >= 2 ? 1 : 0;
        return twice == kEarlyChanges;
      },
      std::chrono::seconds(60)))
      << "Debezium did not re-emit the early changes";

  // 3. Later changes; once the last one is delivered, the re-emissions before it in the (one)
  // partition have been read too. SIGTERM drains what is still in flight.
  const std::vector<std::int64_t> late = Generate(kLateChanges, kEarlyChanges);
  ASSERT_TRUE(WaitFor([&] { return service.Has(late.back()); }, std::chrono::seconds(90)))
      << ReadFile(log);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a duplicate on its way shows up now
  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);

  topic = TopicCounts();
  int re_emitted = 0;
  for (const auto& [seq, count] : topic) re_emitted += count - 1;
  const std::map<std::int64_t, int> deliveries = service.deliveries();
  int duplicates = 0;
  std::set<std::int64_t> delivered;
  for (const auto& [seq, count] : deliveries) {
    delivered.insert(seq);
    duplicates += count - 1;
  }
  std::set<std::int64_t> want(early.begin(), early.end());
  want.insert(late.begin(), late.end());
  EXPECT_EQ(delivered, want);
  EXPECT_GE(re_emitted, kEarlyChanges);
  std::cout << "dedup "
            << (GetParam() == Dedup::kRedis      ? "redis"
                : GetParam() == Dedup::kPostgres ? "postgres"
                : GetParam() == Dedup::kPosition ? "by source position"
                                                 : "off")
            << ": " << topic.size() << " changes, " << re_emitted
            << " re-emitted records in the topic, " << duplicates << " duplicate deliveries\n";
  if (GetParam() == Dedup::kOff) {
    // Every re-emitted change is delivered again: what the store is for.
    EXPECT_GE(duplicates, kEarlyChanges);
  } else if (GetParam() == Dedup::kPosition) {
    // Skipped by source position, except the changes without a last commit LSN (the purged
    // connector's first transaction here; a connector resuming from its offsets has one).
    const int unjudged = WithoutCommitLsn();
    EXPECT_LE(unjudged, 2) << "the scenario should leave only the first transactions unjudged";
    EXPECT_LE(duplicates, unjudged);
    EXPECT_LT(duplicates, kEarlyChanges);
  } else {
    EXPECT_EQ(duplicates, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, DedupEndToEndTest,
                         ::testing::Values(Dedup::kRedis, Dedup::kPostgres, Dedup::kPosition,
                                           Dedup::kOff),
                         [](const ::testing::TestParamInfo<Dedup>& p) {
                           return p.param == Dedup::kRedis      ? std::string("Redis")
                                  : p.param == Dedup::kPostgres ? std::string("Postgres")
                                  : p.param == Dedup::kPosition ? std::string("Position")
                                                                : std::string("Off");
                         });

}  // namespace
}  // namespace fanout::testing
