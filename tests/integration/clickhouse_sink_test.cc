// The ClickHouse sink against the stack's real ClickHouse (FANOUT_CLICKHOUSE_URL): every change
// of the captured Debezium tables (tests/data/debezium/postgres) written into tables whose DDL
// ClickHouseCreateTable made for this server's version, read back through FINAL; and
// `fanout init-sink --event` printing and creating that DDL. The sink's shared contract is in
// sink_contract_test.cc, the pipeline under SIGKILL in clickhouse_e2e_test.cc.
#include "sinks/clickhouse/clickhouse_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "processor/debezium/decoder.h"
#include "processor/route/router.h"
#include "sinks/clickhouse/table_ddl.h"
#include "sinks/runtime.h"
#include "tests/support/bound_routes.h"
#include "tests/support/clickhouse.h"
#include "tests/support/jsonl_records.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;

class ClickHouseSinkTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& table : tables_) (void)client_.Query("DROP TABLE IF EXISTS " + table);
    if (sink_) sink_->Close();
    runtime_.Stop();
  }

  std::string TableName(const std::string& what) {
    std::string name = "it_" + what + "_" + std::to_string(::getpid());
    tables_.push_back(name);
    (void)client_.Query("DROP TABLE IF EXISTS " + name);
    return name;
  }

  Sink& MakeSink() {
    Result<std::unique_ptr<Sink>> sink = CreateClickHouseSink(
        SinkSpec{"warehouse", "clickhouse", {{"url", client_.url()}, {"batch_size", "7"}}, {}},
        runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    sink_ = std::move(sink).value();
    EXPECT_TRUE(sink_->Start(std::chrono::seconds(10)).ok());
    return *sink_;
  }

  std::vector<ActionResult> Write(std::vector<const SinkAction*> batch) {
    auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
    std::future<std::vector<ActionResult>> future = promise->get_future();
    sink_->Write(batch, [promise](std::vector<ActionResult> results) {
      promise->set_value(std::move(results));
    });
    EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return future.get();
  }

  ClickHouseClient client_;
  SinkRuntime runtime_{2};
  std::unique_ptr<Sink> sink_;
  std::vector<std::string> tables_;
};

// Each captured table: created from its first record's schema for this server, then every change
// written in batches of 7 (rows of one key in one batch too); the FINAL view holds exactly the
// keys the capture leaves alive, and a row reads back as the source had it.
TEST_F(ClickHouseSinkTest, CapturedTablesArriveInTheFinalView) {
  Sink& sink = MakeSink();
  const std::string version = client_.Must("SELECT version()");
  const ClickHouseDialect dialect = ClickHouseDialectOf(version);
  std::cout << "ClickHouse " << version << "\n";
  BoundRoutes routes;
  for (const std::string table : {"customers", "tiny", "big"}) {
    SCOPED_TRACE(table);
    const std::string path = std::string(FANOUT_REPO_DIR) +
                             "/tests/data/debezium/postgres/capschema.public." + table + ".jsonl";
    std::ifstream in(path);
    std::string first_line;
    ASSERT_TRUE(std::getline(in, first_line));
    Result<CapturedRecordText> first = ParseCapturedRecord(first_line);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    const std::string target = TableName(table);
    Result<std::string> ddl = ClickHouseCreateTable(
        *first, "`" + target + "`",
        [](std::string_view column) { return std::optional<std::string>(std::string(column)); },
        dialect);
    ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
    client_.Must(*ddl);

    RouteSpec spec;
    spec.name = "r-" + table;
    spec.sink = "warehouse";
    const ActionBuilder& builder = routes.Bind(sink, spec, {{"table", target}});
    DebeziumDecoder decoder;
    std::vector<CapturedRecord> records = ReadCapturedRecords(path);
    std::vector<std::unique_ptr<SinkAction>> actions;
    std::map<std::string, bool> alive;  // key JSON → alive after the capture
    for (const CapturedRecord& record : records) {
      ChangeEvent event;
      ASSERT_TRUE(decoder.Decode(record.View(), &event).ok());
      Result<std::unique_ptr<SinkAction>> action = builder.Build(event, record.View());
      if (!action.ok()) {
        // An unchanged-TOAST update without the before image (`big`): a bad record by design.
        EXPECT_THAT(action.status().message(), HasSubstr("unchanged TOAST"));
        continue;
      }
      if (*action == nullptr) continue;
      if (event.kind == RecordKind::kChange && record.key) {
        alive[*record.key] = event.op != Op::kDelete;
      }
      actions.push_back(std::move(action).value());
    }
    ASSERT_FALSE(actions.empty());
    for (std::size_t at = 0; at < actions.size(); at += 7) {
      std::vector<const SinkAction*> batch;
      for (std::size_t i = at; i < std::min(actions.size(), at + 7); ++i) {
        batch.push_back(actions[i].get());
      }
      for (const ActionResult& result : Write(batch)) {
        EXPECT_EQ(result.outcome, ActionOutcome::kApplied) << result.message;
      }
    }
    std::size_t live = 0;
    for (const auto& [key, is_alive] : alive) live += is_alive ? 1 : 0;
    EXPECT_EQ(client_.Must("SELECT count() FROM " + target + " FINAL WHERE NOT _deleted"),
              std::to_string(live));
    // Writing everything again (a replay) changes nothing in the view.
    for (std::size_t at = 0; at < actions.size(); at += 7) {
      std::vector<const SinkAction*> batch;
      for (std::size_t i = at; i < std::min(actions.size(), at + 7); ++i) {
        batch.push_back(actions[i].get());
      }
      Write(batch);
    }
    EXPECT_EQ(client_.Must("SELECT count() FROM " + target + " FINAL WHERE NOT _deleted"),
              std::to_string(live));
  }
  // Ada, as the source holds her after the capture: decimals exact, json as its text, the
  // timestamp in UTC (whole seconds on a server without DateTime64).
  const std::string ada =
      client_.Must("SELECT first_name, balance, born, profile, toString(updated_at) FROM " +
                   tables_.front() + " FINAL WHERE id = 1 AND NOT _deleted FORMAT TabSeparated");
  EXPECT_THAT(ada, HasSubstr("Ada\t"));
  EXPECT_THAT(ada, HasSubstr("\t1815-12-10\t")) << "a date before 1970";
  std::cout << "customers row 1: " << ada << "\n";
}

TEST_F(ClickHouseSinkTest, InitSinkPrintsAndCreatesTheTable) {
  const std::string dir = ::testing::TempDir();
  const std::string config = dir + "/ch-init-" + std::to_string(::getpid()) + ".yaml";
  const std::string table = TableName("init");
  std::ofstream(config) << "version: 1\nkafka: { bootstrap.servers: 127.0.0.1:1, group.id: g }\n"
                        << "source: { topics: [x] }\n"
                        << "sinks:\n  warehouse: { type: clickhouse, url: \"" << client_.url()
                        << "\" }\n"
                        << "routes:\n  - name: cust\n    from: public.customers\n"
                        << "    to: warehouse\n    table: " << table
                        << "\n    rename: { email: contact }\n"
                        << "  - name: other\n    from: public.orders\n    to: warehouse\n";
  const std::string event = std::string(FANOUT_REPO_DIR) +
                            "/tests/data/debezium/postgres/capschema.public.customers.jsonl";
  const std::string printed = dir + "/ch-init-print.out";
  ChildProcess print({FANOUT_BINARY, "init-sink", "-c", config, "--event", event}, printed);
  ASSERT_EQ(print.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(printed);
  const std::string ddl = ReadFile(printed);
  EXPECT_THAT(ddl, HasSubstr("CREATE TABLE IF NOT EXISTS `default`.`" + table + "`"));
  EXPECT_THAT(ddl, HasSubstr("`contact` Nullable(String)")) << "the route's projection";
  EXPECT_THAT(ddl, HasSubstr("ENGINE = ReplacingMergeTree(_version)"));
  EXPECT_THAT(ddl, ::testing::Not(HasSubstr("orders"))) << "only the routes of the event's table";
  EXPECT_EQ(client_.Must("EXISTS TABLE " + table), "0") << "printing creates nothing";

  for (int run = 0; run < 2; ++run) {  // idempotent: IF NOT EXISTS
    const std::string created = dir + "/ch-init-create.out";
    ChildProcess create({FANOUT_BINARY, "init-sink", "-c", config, "--sink", "warehouse", "--event",
                         event, "--create"},
                        created);
    ASSERT_EQ(create.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(created);
    EXPECT_THAT(ReadFile(created), HasSubstr("is ready (route 'cust')"));
  }
  EXPECT_EQ(client_.Must("EXISTS TABLE " + table), "1");
  EXPECT_THAT(client_.Must("SHOW CREATE TABLE " + table),
              HasSubstr("ReplacingMergeTree(_version)"));
}

}  // namespace
}  // namespace fanout::testing
