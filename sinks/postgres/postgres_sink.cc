#include "sinks/postgres/postgres_sink.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dedup/processed_offsets.h"
#include "sinks/begin_write.h"
#include "sinks/postgres/action_builder.h"
#include "sinks/postgres/batch.h"
#include "sinks/postgres/connection.h"
#include "sinks/postgres/errors.h"
#include "sinks/postgres/settings.h"
#include "sinks/runtime.h"
#include "sinks/write_tracker.h"

namespace fanout {
namespace {

// A blocking connection for the consume thread's rare calls (assignment, init-sink), bounded by
// libpq's connect_timeout and the server's statement_timeout.
class BlockingConnection {
 public:
  BlockingConnection(const std::string& dsn, std::chrono::milliseconds timeout) {
    const std::string seconds =
        std::to_string(std::max<std::int64_t>(1, (timeout.count() + 999) / 1000));
    const std::string options = "-c statement_timeout=" + std::to_string(timeout.count());
    const char* keywords[] = {"dbname", "connect_timeout", "options", nullptr};
    const char* values[] = {dsn.c_str(), seconds.c_str(), options.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    RouteNoticesToLog(conn_);
  }
  ~BlockingConnection() {
    if (conn_ != nullptr) PQfinish(conn_);
  }
  BlockingConnection(const BlockingConnection&) = delete;
  BlockingConnection& operator=(const BlockingConnection&) = delete;

  Status status() const {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return Status();
    const ActionResult result =
        ClassifyConnectionFailure(conn_ != nullptr ? PQerrorMessage(conn_) : "out of memory");
    return PostgresStartStatus(result);
  }

  // Runs `sql` with text params; the rows, or the classified error.
  Result<std::vector<std::vector<std::string>>> Query(const std::string& sql,
                                                      const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      ActionResult result = state != nullptr
                                ? ClassifySqlState(state, message != nullptr ? message : "")
                                : ClassifyConnectionFailure(PQerrorMessage(conn_));
      PQclear(res);
      if (result.outcome == ActionOutcome::kRetry ||
          result.outcome == ActionOutcome::kUnavailable) {
        return Unavailable(result.message);
      }
      return FailedPrecondition(result.message);
    }
    std::vector<std::vector<std::string>> rows;
    for (int r = 0; r < PQntuples(res); ++r) {
      std::vector<std::string>& row = rows.emplace_back();
      for (int f = 0; f < PQnfields(res); ++f) row.emplace_back(PQgetvalue(res, r, f));
    }
    PQclear(res);
    return rows;
  }

 private:
  pg_conn* conn_ = nullptr;
};

Status MigrateBlocking(BlockingConnection& connection, const ProcessedOffsetsSql& sql) {
  FANOUT_RETURN_IF_ERROR(connection.Query("BEGIN", {}).status());
  for (const std::string& statement : sql.Migrate()) {
    Status status = connection.Query(statement, {}).status();
    if (!status.ok()) {
      (void)connection.Query("ROLLBACK", {});
      return status;
    }
  }
  return connection.Query("COMMIT", {}).status();
}

class PostgresSink final : public Sink {
 public:
  PostgresSink(std::string name, PostgresSinkSettings settings, SinkRuntime& runtime)
      : name_(std::move(name)),
        strand_(boost::asio::make_strand(runtime.context())),
        state_(std::make_shared<PgSinkState>(std::move(settings))),
        pool_(std::make_shared<Pool>(strand_)),
        tracker_(std::make_shared<WriteTracker>()) {
    for (std::size_t i = 0; i < state_->settings.pool_size; ++i) {
      auto connection = std::make_shared<PgConnection>(strand_, state_->settings.dsn);
      pool_->all.push_back(connection);
      pool_->idle.push_back(connection);
    }
  }

  ~PostgresSink() override { Close(); }

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) override {
    FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<PostgresActionBuilder> builder,
                            PostgresActionBuilder::Create(binding, state_->view));
    return std::unique_ptr<ActionBuilder>(std::move(builder));
  }

  Status Start(std::chrono::milliseconds timeout) override;
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override;
  std::size_t max_batch() const override { return state_->settings.batch_size; }
  std::size_t max_concurrency() const override { return state_->settings.pool_size; }
  void Close() override;
  LaneBy lane_by() const override { return LaneBy::kPartition; }
  Status OnPartitionsAssigned(std::span<const TopicPartition> partitions) override;

 private:
  // Connections and the batches waiting for one (strand only).
  struct Pool {
    explicit Pool(PgStrand s) : strand(std::move(s)) {}
    PgStrand strand;
    std::vector<std::shared_ptr<PgConnection>> all;
    std::deque<std::shared_ptr<PgConnection>> idle;
    std::deque<std::pair<std::shared_ptr<PgBatch>, std::shared_ptr<std::shared_ptr<PgConnection>>>>
        waiting;
    bool closed = false;
  };

  using Holder = std::shared_ptr<std::shared_ptr<PgConnection>>;

  // On the strand: runs `batch` on an idle connection (noted in *holder), or queues it.
  static void Schedule(const std::shared_ptr<Pool>& pool, std::shared_ptr<PgBatch> batch,
                       Holder holder) {
    if (pool->idle.empty()) {
      pool->waiting.emplace_back(std::move(batch), std::move(holder));
      return;
    }
    *holder = pool->idle.front();
    pool->idle.pop_front();
    batch->Run(*holder);
  }

  // On the strand: a batch is done with `connection`; the next waiting batch gets it.
  static void Release(const std::shared_ptr<Pool>& pool, std::shared_ptr<PgConnection> connection) {
    if (!connection || pool->closed) return;
    if (pool->waiting.empty()) {
      pool->idle.push_back(std::move(connection));
      return;
    }
    auto [batch, holder] = std::move(pool->waiting.front());
    pool->waiting.pop_front();
    *holder = std::move(connection);
    // Posted: this runs inside the previous batch's completion.
    boost::asio::post(pool->strand, [batch = std::move(batch), holder = std::move(holder)] {
      batch->Run(*holder);
    });
  }

  const std::string name_;
  PgStrand strand_;
  std::shared_ptr<PgSinkState> state_;  // strand only, except state_->view and settings
  std::shared_ptr<Pool> pool_;          // strand only
  std::shared_ptr<WriteTracker> tracker_;
};

Status PostgresSink::Start(std::chrono::milliseconds timeout) {
  if (tracker_->closed()) return FailedPrecondition("the sink is closed");
  // Blocking on the consume thread at startup (bounded): connect and create the offsets tables.
  // Write() does the same on its own connections, so a database that is down now is no error.
  BlockingConnection connection(state_->settings.dsn, timeout);
  FANOUT_RETURN_IF_ERROR(connection.status().WithContext("postgres"));
  return MigrateBlocking(connection, state_->offsets_sql).WithContext("postgres");
}

void PostgresSink::Write(std::span<const SinkAction* const> batch, WriteCallback done) {
  std::optional<StartedWrite<PostgresAction>> started = BeginWrite<PostgresAction>(
      batch, std::move(done), tracker_, strand_, state_->settings.batch_size, "a postgres sink");
  if (!started) return;
  std::vector<const PostgresAction*> actions = std::move(started->actions);
  WriteCallback complete = std::move(started->complete);
  boost::asio::post(strand_, [pool = pool_, state = state_, actions = std::move(actions),
                              complete = std::move(complete)]() mutable {
    if (pool->closed) {
      return complete(std::vector<ActionResult>(actions.size(),
                                                ActionResult::Unavailable("the sink is closed")));
    }
    // The connection goes back to the pool when the batch is done, to the next waiting batch.
    auto holder = std::make_shared<std::shared_ptr<PgConnection>>();
    auto job = std::make_shared<PgBatch>(
        state, std::move(actions),
        [pool, holder, complete = std::move(complete)](std::vector<ActionResult> results) mutable {
          complete(std::move(results));
          Release(pool, std::move(*holder));
        });
    Schedule(pool, std::move(job), std::move(holder));
  });
}

void PostgresSink::Close() {
  const bool first = tracker_->Close();
  if (first) {
    boost::asio::post(strand_, [pool = pool_] {
      pool->closed = true;
      for (auto& connection : pool->all) connection->Close("the sink is closed");
      auto waiting = std::move(pool->waiting);
      pool->waiting.clear();
      for (auto& entry : waiting)
        entry.first->Cancel(ActionResult::Unavailable("the sink is closed"));
    });
  }
  tracker_->WaitIdle();
}

Status PostgresSink::OnPartitionsAssigned(std::span<const TopicPartition> partitions) {
  if (partitions.empty()) return Status();
  BlockingConnection connection(state_->settings.dsn, state_->settings.timeout);
  FANOUT_RETURN_IF_ERROR(connection.status().WithContext("postgres"));
  FANOUT_RETURN_IF_ERROR(MigrateBlocking(connection, state_->offsets_sql).WithContext("postgres"));
  FANOUT_ASSIGN_OR_RETURN(auto offsets, connection.Query(state_->offsets_sql.LoadOffsets(),
                                                         {state_->settings.consumer_group}));
  FANOUT_ASSIGN_OR_RETURN(auto rejected, connection.Query(state_->offsets_sql.LoadRejected(),
                                                          {state_->settings.consumer_group}));
  std::set<std::pair<std::string, std::int32_t>> assigned;
  for (const TopicPartition& tp : partitions) {
    state_->view->Forget(tp.topic, tp.partition);
    assigned.emplace(tp.topic, tp.partition);
  }
  std::size_t loaded = 0;
  for (const auto& row : offsets) {
    if (row.size() != 4) continue;
    const std::int32_t partition = std::stoi(row[2]);
    if (!assigned.contains({row[1], partition})) continue;
    state_->view->Set(row[0], row[1], partition, std::stoll(row[3]));
    ++loaded;
  }
  for (const auto& row : rejected) {
    if (row.size() != 4) continue;
    const std::int32_t partition = std::stoi(row[2]);
    if (!assigned.contains({row[1], partition})) continue;
    state_->view->AddRejected(row[0], row[1], partition, std::stoll(row[3]));
  }
  spdlog::info("postgres sink '{}': {} processed-offset rows for {} assigned partitions", name_,
               loaded, partitions.size());
  return Status();
}

}  // namespace

Result<std::unique_ptr<Sink>> CreatePostgresSink(const SinkSpec& spec, SinkRuntime& runtime) {
  FANOUT_ASSIGN_OR_RETURN(PostgresSinkSettings settings, ParsePostgresSinkSettings(spec));
  return std::unique_ptr<Sink>(
      std::make_unique<PostgresSink>(spec.name, std::move(settings), runtime));
}

Status RegisterPostgresSink(SinkRegistry& registry) {
  return registry.Register("postgres", CreatePostgresSink);
}

Status InitPostgresSink(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(PostgresSinkSettings settings, ParsePostgresSinkSettings(spec));
  BlockingConnection connection(settings.dsn, settings.timeout);
  FANOUT_RETURN_IF_ERROR(connection.status());
  return MigrateBlocking(connection, ProcessedOffsetsSql(settings.offsets_table));
}

}  // namespace fanout
