#include "sinks/postgres/postgres_sink.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sinks/begin_write.h"
#include "sinks/postgres/action_builder.h"
#include "sinks/postgres/batch.h"
#include "sinks/postgres/connection.h"
#include "sinks/postgres/errors.h"
#include "sinks/postgres/processed_offsets.h"
#include "sinks/postgres/settings.h"
#include "sinks/postgres/spec.h"
#include "sinks/runtime.h"
#include "sinks/text_numbers.h"
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

struct OffsetsRow {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// The partition and offset of a processed-offsets row (route, topic, partition, offset).
// FailedPrecondition when they are not integers: someone changed the table, and going on
// without its offsets could apply changes twice.
Result<OffsetsRow> ParseOffsetsRow(const std::vector<std::string>& row) {
  std::optional<std::int32_t> partition = ParseDecimal<std::int32_t>(row[2]);
  std::optional<std::int64_t> offset = ParseDecimal<std::int64_t>(row[3]);
  if (!partition || !offset) {
    return FailedPrecondition(
        "postgres: a processed-offsets row has a partition or offset that "
        "is not an integer");
  }
  return OffsetsRow{*partition, *offset};
}

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

class PostgresSink final : public Sink, public ChainedWriter, public PartitionAssignmentListener {
 public:
  PostgresSink(std::string name, PostgresSinkSettings settings, SinkRuntime& runtime)
      : name_(std::move(name)),
        strand_(boost::asio::make_strand(runtime.context())),
        state_(std::make_shared<PostgresSinkState>(std::move(settings))),
        pool_(std::make_shared<Pool>(strand_)),
        tracker_(std::make_shared<WriteTracker>()) {
    for (std::size_t i = 0; i < state_->settings.pool_size; ++i) {
      auto connection = std::make_shared<PostgresConnection>(strand_, state_->settings.dsn);
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
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override {
    Submit(batch, std::move(done), /*behind=*/false);
  }
  void WriteBehind(std::span<const SinkAction* const> batch, WriteCallback done) override {
    Submit(batch, std::move(done), /*behind=*/true);
  }
  std::size_t max_batch() const override { return state_->settings.batch_size; }
  std::size_t max_concurrency() const override { return state_->settings.pool_size; }
  void Close() override;
  // Lanes by partition: a partition's batches commit with its processed offsets, in order. A
  // partition's next full batch may arrive while one is being written: it waits, chained to
  // that one, and gets its connection as soon as it has committed (see Job). On assignment the
  // processed offsets are read, so that builders skip what the table has.
  SinkCapabilities capabilities() override {
    return SinkCapabilities{.lane_by = LaneBy::kPartition,
                            .max_batches_per_lane = 2,
                            .chained_writer = this,
                            .assignment_listener = this};
  }
  Status OnPartitionsAssigned(std::span<const TopicPartition> partitions) override;

 private:
  using Holder = std::shared_ptr<std::shared_ptr<PostgresConnection>>;
  using PartitionKey = std::pair<std::string, std::int32_t>;  // topic, partition

  // One Write on the strand. A Write whose partitions overlap one still in progress is chained
  // behind it (`next`) instead of taking a connection of its own: it runs on that connection as
  // soon as the first commits -- without the round trip through the delivery core -- and fails
  // with the same outcome without running if the first fails as a whole, so that the core can
  // requeue both in their order (ChainedWriter).
  struct Job {
    std::shared_ptr<PostgresBatch> batch;
    Holder holder = std::make_shared<std::shared_ptr<PostgresConnection>>();
    std::vector<PartitionKey> partitions;
    std::shared_ptr<Job> next;
    bool finished = false;
    std::optional<ActionResult> failure;  // once finished: how it failed as a whole, if it did
  };

  // Connections and the batches waiting for one (strand only).
  struct Pool {
    explicit Pool(PostgresStrand s) : strand(std::move(s)) {}
    PostgresStrand strand;
    std::vector<std::shared_ptr<PostgresConnection>> all;
    std::deque<std::shared_ptr<PostgresConnection>> idle;
    std::deque<std::pair<std::shared_ptr<PostgresBatch>, Holder>> waiting;
    std::map<PartitionKey, std::shared_ptr<Job>> last;  // the latest Job per partition
    bool closed = false;
  };

  // On the strand: runs `batch` on an idle connection (noted in *holder), or queues it.
  static void Schedule(const std::shared_ptr<Pool>& pool, std::shared_ptr<PostgresBatch> batch,
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
  static void Release(const std::shared_ptr<Pool>& pool,
                      std::shared_ptr<PostgresConnection> connection) {
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

  // On the strand: `job` is done (`failure`: how it failed as a whole, if it did); its chained
  // successor runs on its connection, or fails alike.
  static void Finished(const std::shared_ptr<Pool>& pool, Job& job,
                       const std::optional<ActionResult>& failure);
  // `failure` for a batch that is answered without being written.
  static ActionResult Untried(const ActionResult& failure);
  // Write and WriteBehind.
  void Submit(std::span<const SinkAction* const> batch, WriteCallback done, bool behind);

  const std::string name_;
  PostgresStrand strand_;
  std::shared_ptr<PostgresSinkState> state_;  // strand only, except state_->view and settings
  std::shared_ptr<Pool> pool_;                // strand only
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

void PostgresSink::Submit(std::span<const SinkAction* const> batch, WriteCallback done,
                          bool behind) {
  std::optional<StartedWrite<PostgresAction>> started = BeginWrite<PostgresAction>(
      batch, std::move(done), tracker_, strand_, state_->settings.batch_size, "a postgres sink");
  if (!started) return;
  std::vector<const PostgresAction*> actions = std::move(started->actions);
  WriteCallback complete = std::move(started->complete);
  boost::asio::post(strand_, [pool = pool_, state = state_, actions = std::move(actions),
                              complete = std::move(complete), behind]() mutable {
    if (pool->closed) {
      return complete(std::vector<ActionResult>(actions.size(),
                                                ActionResult::Unavailable("the sink is closed")));
    }
    auto job = std::make_shared<Job>();
    for (const PostgresAction* action : actions) {
      PartitionKey key(action->topic, action->partition);
      if (std::find(job->partitions.begin(), job->partitions.end(), key) == job->partitions.end()) {
        job->partitions.push_back(std::move(key));
      }
    }
    job->batch = std::make_shared<PostgresBatch>(
        state, std::move(actions),
        // Holds its Job until done (PostgresBatch drops the callback once it has run): the Job may
        // be in no other hands then (pool->last moves on to the next Write of its partitions).
        [pool, owner = job,
         complete = std::move(complete)](std::vector<ActionResult> results) mutable {
          std::optional<ActionResult> failure;
          for (const ActionResult& result : results) {
            if (result.outcome == ActionOutcome::kRetry ||
                result.outcome == ActionOutcome::kUnavailable ||
                result.outcome == ActionOutcome::kFatal) {
              failure = result;
              break;
            }
          }
          complete(std::move(results));
          std::shared_ptr<Job> finished = std::move(owner);
          Finished(pool, *finished, failure);
          // pool->last keeps the Job, not its batch (results, action pointers): dropped once
          // the batch's own call stack has unwound.
          boost::asio::post(pool->strand, [finished] { finished->batch.reset(); });
        });
    std::shared_ptr<Job> before;  // the latest Write of these partitions (their lane's)
    for (const PartitionKey& key : job->partitions) {
      auto it = pool->last.find(key);
      if (it != pool->last.end() && before == nullptr) before = it->second;
      pool->last[key] = job;
    }
    if (before != nullptr && !before->finished) {
      while (before->next != nullptr) before = before->next;
      before->next = std::move(job);
      return;
    }
    if (behind && before != nullptr && before->failure) {
      // Sent behind a batch that has failed already, before the delivery core saw it fail.
      return job->batch->Cancel(Untried(*before->failure));
    }
    Schedule(pool, job->batch, job->holder);
  });
}

ActionResult PostgresSink::Untried(const ActionResult& failure) {
  ActionResult result = failure;
  result.attempted = false;
  static constexpr std::string_view kPrefix = "postgres: not written, the batch before it failed: ";
  if (!result.message.starts_with(kPrefix)) result.message = std::string(kPrefix) + result.message;
  return result;
}

void PostgresSink::Finished(const std::shared_ptr<Pool>& pool, Job& job,
                            const std::optional<ActionResult>& failure) {
  // Stays in pool->last: a batch sent behind it may still arrive (WriteBehind).
  job.finished = true;
  job.failure = failure;
  std::shared_ptr<PostgresConnection> connection = std::move(*job.holder);
  std::shared_ptr<Job> next = std::move(job.next);
  if (next == nullptr) return Release(pool, std::move(connection));
  if (failure || pool->closed || connection == nullptr) {
    Release(pool, std::move(connection));
    return next->batch->Cancel(
        Untried(failure ? *failure : ActionResult::Unavailable("the sink is closed")));
  }
  // Committed: the next batch of these partitions takes the connection at once.
  *next->holder = std::move(connection);
  boost::asio::post(pool->strand, [pool, next = std::move(next)] {
    if (pool->closed) {
      Release(pool, std::move(*next->holder));
      return next->batch->Cancel(Untried(ActionResult::Unavailable("the sink is closed")));
    }
    next->batch->Run(*next->holder);
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
    FANOUT_ASSIGN_OR_RETURN(const OffsetsRow parsed, ParseOffsetsRow(row));
    if (!assigned.contains({row[1], parsed.partition})) continue;
    state_->view->Set(row[0], row[1], parsed.partition, parsed.offset);
    ++loaded;
  }
  for (const auto& row : rejected) {
    if (row.size() != 4) continue;
    FANOUT_ASSIGN_OR_RETURN(const OffsetsRow parsed, ParseOffsetsRow(row));
    if (!assigned.contains({row[1], parsed.partition})) continue;
    state_->view->AddRejected(row[0], row[1], parsed.partition, parsed.offset);
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
  return registry.Register(PostgresSinkType(), CreatePostgresSink);
}

Status InitPostgresSink(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(PostgresSinkSettings settings, ParsePostgresSinkSettings(spec));
  BlockingConnection connection(settings.dsn, settings.timeout);
  FANOUT_RETURN_IF_ERROR(connection.status());
  return MigrateBlocking(connection, ProcessedOffsetsSql(settings.offsets_table));
}

}  // namespace fanout
