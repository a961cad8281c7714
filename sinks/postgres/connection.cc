#include "sinks/postgres/connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <string_view>
#include <utility>

#include "sinks/postgres/errors.h"

namespace fanout {
namespace {

// Prepared statements kept per connection; statements beyond it run unnamed (parsed each time).
constexpr std::size_t kMaxPrepared = 256;

std::string ErrorOf(pg_conn* conn, std::string_view fallback) {
  const char* message = conn != nullptr ? PQerrorMessage(conn) : nullptr;
  std::string out = message != nullptr && *message != '\0' ? message : std::string(fallback);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string Field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value != nullptr ? value : "";
}

}  // namespace

PostgresConnection::PostgresConnection(PostgresStrand strand, std::string dsn)
    : strand_(std::move(strand)), dsn_(std::move(dsn)), socket_(strand_), timer_(strand_) {}

PostgresConnection::~PostgresConnection() {
  DetachSocket();
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PostgresConnection::AttachSocket() {
  const int fd = PQsocket(conn_);
  if (fd < 0) return false;
  if (fd == socket_fd_) return true;
  DetachSocket();
  boost::system::error_code ec;
  socket_.assign(fd, ec);
  if (ec) return false;
  socket_fd_ = fd;
  return true;
}

void PostgresConnection::DetachSocket() {
  if (socket_fd_ >= 0) {
    boost::system::error_code ec;
    socket_.cancel(ec);
    (void)socket_.release();  // libpq owns the descriptor and closes it in PQfinish
    socket_fd_ = -1;
  }
  read_waiting_ = false;
  write_waiting_ = false;
}

void PostgresConnection::ArmTimer(std::chrono::milliseconds timeout) {
  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this(), gen = generation_](boost::system::error_code ec) {
    if (ec || gen != self->generation_) return;
    self->Finish("timed out", /*timed_out=*/true);
  });
}

void PostgresConnection::Wait(bool write) {
  bool& waiting = write ? write_waiting_ : read_waiting_;
  if (waiting || socket_fd_ < 0) return;
  waiting = true;
  socket_.async_wait(
      write ? boost::asio::posix::stream_descriptor::wait_write
            : boost::asio::posix::stream_descriptor::wait_read,
      [self = shared_from_this(), gen = generation_, write](boost::system::error_code ec) {
        if (gen != self->generation_) return;
        (write ? self->write_waiting_ : self->read_waiting_) = false;
        if (ec) return;
        if (self->state_ == State::kConnecting) {
          self->PollConnect();
        } else if (self->state_ == State::kRunning) {
          self->Drive();
        }
      });
}

void RouteNoticesToLog(pg_conn* conn) {
  if (conn == nullptr) return;
  PQsetNoticeProcessor(
      conn,
      [](void*, const char* message) {
        std::string_view text(message);
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
        spdlog::debug("postgres: {}", text);
      },
      nullptr);
}

void PostgresConnection::Connect(std::chrono::milliseconds timeout,
                                 std::function<void(std::string error)> done) {
  Close();
  conn_ = PQconnectStart(dsn_.c_str());
  if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD || PQsetnonblocking(conn_, 1) != 0) {
    std::string error = ErrorOf(conn_, "cannot start a connection");
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    boost::asio::post(strand_, [done = std::move(done), error] { done(error); });
    return;
  }
  RouteNoticesToLog(conn_);
  state_ = State::kConnecting;
  ++generation_;
  connect_done_ = std::move(done);
  ArmTimer(timeout);
  if (!AttachSocket()) return Finish(ErrorOf(conn_, "no socket"));
  Wait(/*write=*/true);  // libpq: start as if PQconnectPoll said PGRES_POLLING_WRITING
}

void PostgresConnection::PollConnect() {
  const PostgresPollingStatusType status = PQconnectPoll(conn_);
  if (status == PGRES_POLLING_FAILED) return Finish(ErrorOf(conn_, "connection failed"));
  // The socket may change while libpq tries the hosts of a multi-host DSN.
  if (!AttachSocket()) return Finish(ErrorOf(conn_, "no socket"));
  switch (status) {
    case PGRES_POLLING_OK:
      if (PQenterPipelineMode(conn_) != 1) {
        return Finish(ErrorOf(conn_, "cannot enter pipeline mode"));
      }
      return Finish("");
    case PGRES_POLLING_READING:
      return Wait(false);
    case PGRES_POLLING_WRITING:
      return Wait(true);
    default:
      return Wait(false);
  }
}

void PostgresConnection::Run(std::vector<PostgresQuery> queries, std::chrono::milliseconds timeout,
                             std::function<void(PostgresPipelineResult)> done) {
  if (state_ != State::kReady) {
    boost::asio::post(strand_, [done = std::move(done)] {
      PostgresPipelineResult result;
      result.connection_error = "not connected";
      done(std::move(result));
    });
    return;
  }
  state_ = State::kRunning;
  ++generation_;
  run_done_ = std::move(done);
  result_ = PostgresPipelineResult();
  result_.results.resize(queries.size());
  query_sql_.resize(queries.size());
  expected_.clear();
  next_expected_ = 0;
  in_result_ = false;
  std::unordered_map<std::string, std::string> preparing;  // sql → name, this pipeline
  std::vector<const char*> values;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const PostgresQuery& query = queries[i];
    values.clear();
    for (const auto& param : query.params) values.push_back(param ? param->c_str() : nullptr);
    const int n = static_cast<int>(values.size());
    const char* name = nullptr;
    if (auto it = prepared_.find(query.sql); it != prepared_.end()) {
      name = it->second.c_str();
    } else if (auto pending = preparing.find(query.sql); pending != preparing.end()) {
      name = pending->second.c_str();
    } else if (prepared_.size() + preparing.size() < kMaxPrepared) {
      std::string statement = "fanout_" + std::to_string(++statement_counter_);
      if (PQsendPrepare(conn_, statement.c_str(), query.sql.c_str(), n, nullptr) != 1) {
        return Finish(ErrorOf(conn_, "cannot send a statement"));
      }
      expected_.push_back(Expected{true, i, statement, query.sql});
      name = preparing.emplace(query.sql, std::move(statement)).first->second.c_str();
    }
    const int sent = name != nullptr
                         ? PQsendQueryPrepared(conn_, name, n, values.data(), nullptr, nullptr, 0)
                         : PQsendQueryParams(conn_, query.sql.c_str(), n, nullptr, values.data(),
                                             nullptr, nullptr, 0);
    if (sent != 1) return Finish(ErrorOf(conn_, "cannot send a statement"));
    expected_.push_back(Expected{false, i, {}, {}});
    query_sql_[i] = std::move(queries[i].sql);  // sent (libpq copied it): kept for errors
  }
  if (PQpipelineSync(conn_) != 1) return Finish(ErrorOf(conn_, "cannot send the sync"));
  // Each statement is remembered when the server answers its Prepare (ReadResults); names are
  // never reused.
  flushing_ = true;
  ArmTimer(timeout);
  Drive();
}

void PostgresConnection::Drive() {
  if (flushing_) {
    const int flushed = PQflush(conn_);
    if (flushed < 0) return Finish(ErrorOf(conn_, "connection lost while sending"));
    if (flushed == 0) flushing_ = false;
  }
  if (PQconsumeInput(conn_) != 1) return Finish(ErrorOf(conn_, "connection lost"));
  if (!ReadResults()) return;  // finished
  if (flushing_) Wait(true);
  Wait(false);
}

bool PostgresConnection::ReadResults() {
  while (true) {
    if (PQisBusy(conn_) == 1) return true;  // wait for more input
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) {
      if (!in_result_) return true;  // nothing more yet
      in_result_ = false;
      ++next_expected_;
      continue;
    }
    const ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(res);
      Finish("");
      return false;
    }
    if (next_expected_ >= expected_.size()) {
      PQclear(res);
      Finish("unexpected result from the server");
      return false;
    }
    const Expected& expected = expected_[next_expected_];
    PostgresQueryResult& out = result_.results[expected.query];
    if (!in_result_) {
      switch (status) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
          if (expected.prepare) {
            prepared_[expected.sql] = expected.name;
          } else {
            out.state = PostgresQueryResult::State::kOk;
            const int rows = PQntuples(res);
            const int fields = PQnfields(res);
            for (int r = 0; r < rows; ++r) {
              std::vector<std::optional<std::string>>& row = out.rows.emplace_back();
              for (int f = 0; f < fields; ++f) {
                if (PQgetisnull(res, r, f) == 1) {
                  row.emplace_back();
                } else {
                  row.emplace_back(std::string(PQgetvalue(res, r, f),
                                               static_cast<std::size_t>(PQgetlength(res, r, f))));
                }
              }
            }
          }
          break;
        case PGRES_PIPELINE_ABORTED:
          if (out.state != PostgresQueryResult::State::kError)
            out.state = PostgresQueryResult::State::kAborted;
          break;
        default:  // PGRES_FATAL_ERROR and anything unexpected
          out.state = PostgresQueryResult::State::kError;
          out.sqlstate = Field(res, PG_DIAG_SQLSTATE);
          out.message = Field(res, PG_DIAG_MESSAGE_PRIMARY);
          if (out.sqlstate.empty()) out.sqlstate = "XX000";
          if (out.message.empty()) out.message = PQresStatus(status);
          // The message goes on to logs and dead-letter headers: the values it quotes stay
          // here, at debug level.
          spdlog::debug("postgres: SQLSTATE {}: {}", out.sqlstate, out.message);
          {
            const std::string names[] = {
                Field(res, PG_DIAG_TABLE_NAME), Field(res, PG_DIAG_COLUMN_NAME),
                Field(res, PG_DIAG_CONSTRAINT_NAME), Field(res, PG_DIAG_SCHEMA_NAME),
                Field(res, PG_DIAG_DATATYPE_NAME)};
            out.message = WithoutRowValues(
                out.message, expected.query < query_sql_.size() ? query_sql_[expected.query] : "",
                names);
          }
          break;
      }
    }
    in_result_ = true;
    PQclear(res);
  }
}

void PostgresConnection::Finish(std::string error, bool timed_out) {
  ++generation_;
  timer_.cancel();
  flushing_ = false;
  const bool was_connecting = state_ == State::kConnecting;
  if (error.empty()) {
    state_ = State::kReady;
  } else {
    DetachSocket();
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    state_ = State::kClosed;
    prepared_.clear();
  }
  if (was_connecting) {
    auto done = std::move(connect_done_);
    connect_done_ = nullptr;
    if (done) done(std::move(error));
    return;
  }
  auto done = std::move(run_done_);
  run_done_ = nullptr;
  PostgresPipelineResult result = std::move(result_);
  result_ = PostgresPipelineResult();
  result.connection_error = std::move(error);
  result.timed_out = timed_out;
  if (done) done(std::move(result));
}

void PostgresConnection::Close(const std::string& why) {
  if (state_ == State::kConnecting || state_ == State::kRunning) return Finish(why);
  DetachSocket();
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  state_ = State::kClosed;
  prepared_.clear();
}

}  // namespace fanout
