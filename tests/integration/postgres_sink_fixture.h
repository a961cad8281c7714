// The fixture of the PostgreSQL sink's integration tests: a sink against the stack's real replica
// cluster (FANOUT_REPLICA_PG_URL), routes bound to it, and a batch written and waited for. Each
// test works in its own schema, dropped afterwards.
#ifndef FANOUT_TESTS_INTEGRATION_POSTGRES_SINK_FIXTURE_H_
#define FANOUT_TESTS_INTEGRATION_POSTGRES_SINK_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "processor/route/router.h"
#include "sinks/postgres/postgres_sink.h"
#include "sinks/runtime.h"
#include "tests/support/bound_routes.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {

using Settings = std::vector<std::pair<std::string, std::string>>;

inline constexpr auto kPostgresSinkWait = std::chrono::seconds(30);

class PostgresSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = RequireEnv("FANOUT_REPLICA_PG_URL");
    db_ = std::make_unique<Postgres>(url_);
    ASSERT_TRUE(db_->connected());
    schema_ = "fo_it_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : schema_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(
        db_->Exec("drop schema if exists " + schema_ + " cascade; create schema " + schema_ + ";"));
  }

  void TearDown() override {
    for (auto& sink : sinks_) sink->Close();
    runtime_.Stop();
    if (db_ && db_->connected())
      (void)db_->Exec("drop schema if exists " + schema_ + " cascade", false);
  }

  Sink& MakeSink(Settings extra = {}) {
    Settings settings = {{"dsn", url_},
                         {"timeout", "3s"},
                         {"pool_size", "2"},
                         {"offsets_table", schema_ + ".offsets"}};
    for (auto& s : extra) {
      auto same = std::find_if(settings.begin(), settings.end(),
                               [&](const auto& kv) { return kv.first == s.first; });
      if (same != settings.end()) {
        same->second = std::move(s.second);
      } else {
        settings.push_back(std::move(s));
      }
    }
    SinkSpec spec{"replica", "postgres", settings, {}};
    spec.consumer_group = "it-group";
    Result<std::unique_ptr<Sink>> sink = CreatePostgresSink(spec, runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    sinks_.push_back(std::move(sink).value());
    return *sinks_.back();
  }

  const ActionBuilder& Bind(Sink& sink, Settings options, const std::string& name = "r") {
    RouteSpec spec;
    spec.name = name;
    spec.sink = "replica";
    return routes_.Bind(sink, std::move(spec), std::move(options));
  }

  // An event on public.<table> with key id; `after` columns (id first).
  static ChangeEvent Event(Op op, Row image, std::uint64_t lsn) {
    ChangeEvent e;
    e.op = op;
    e.schema = "public";
    e.table = "src";
    e.key = {image.front()};
    (op == Op::kDelete ? e.before : e.after) = std::move(image);
    e.position = {SourcePosition::Kind::kPostgres, lsn, lsn, 0};
    return e;
  }

  // Builds (offsets first, first+1, ... of partition 0) and writes as one batch.
  std::vector<ActionResult> Apply(Sink& sink, const ActionBuilder& builder,
                                  const std::vector<ChangeEvent>& events, std::int64_t first) {
    std::vector<std::unique_ptr<SinkAction>> actions;
    for (std::size_t i = 0; i < events.size(); ++i) {
      KafkaRecordView record;
      record.topic = "it.public.src";
      record.partition = 0;
      record.offset = first + static_cast<std::int64_t>(i);
      Result<std::unique_ptr<SinkAction>> action = builder.Build(events[i], record);
      EXPECT_TRUE(action.ok()) << action.status().ToString();
      if (action.ok() && *action) actions.push_back(std::move(action).value());
    }
    return Write(sink, actions);
  }

  static std::vector<ActionResult> Write(Sink& sink,
                                         const std::vector<std::unique_ptr<SinkAction>>& actions) {
    std::vector<const SinkAction*> batch;
    for (const auto& a : actions) batch.push_back(a.get());
    auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
    auto future = promise->get_future();
    sink.Write(batch, [promise](std::vector<ActionResult> r) { promise->set_value(std::move(r)); });
    if (future.wait_for(kPostgresSinkWait) != std::future_status::ready) {
      ADD_FAILURE() << "no callback";
      return {};
    }
    return future.get();
  }

  static std::vector<ActionOutcome> Outcomes(const std::vector<ActionResult>& results) {
    std::vector<ActionOutcome> out;
    for (const ActionResult& r : results) out.push_back(r.outcome);
    return out;
  }

  std::string Rows(const std::string& table, const std::string& columns = "*") {
    return db_->Scalar(
        "select coalesce(string_agg(t::text, ' ' order by t::text), '') from "
        "(select " +
        columns + " from " + schema_ + "." + table + ") t");
  }

  std::string url_;
  std::string schema_;
  std::unique_ptr<Postgres> db_;
  SinkRuntime runtime_{1};
  std::vector<std::unique_ptr<Sink>> sinks_;
  BoundRoutes routes_;
};

inline Row Person(int id, const std::optional<std::string>& email) {
  return {{"id", Value::Int(id)}, {"email", email ? Value::String(*email) : Value::Null()}};
}

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_INTEGRATION_POSTGRES_SINK_FIXTURE_H_
