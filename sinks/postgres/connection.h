// PostgresConnection: one libpq connection in non-blocking pipeline mode, its socket watched by
// Boost.Asio (docs/ARCHITECTURE.md#threads-and-bounds), so a sink's I/O threads never block on the
// database.
//
// Run() sends a list of statements as one pipeline ended by one Sync: the server runs them as
// one implicit transaction (all or nothing), and reports each statement's result; after the
// first failure the rest come back "aborted". Statements are prepared on first use and the
// prepared name reused (a per-connection cache), so a steady stream of one table's upserts is
// parsed and planned once.
//
// Thread-safety: all calls, and every callback, on the strand given at construction. The socket
// descriptor belongs to libpq: it is released, never closed, by Asio.
#ifndef FANOUT_SINKS_POSTGRES_CONNECTION_H_
#define FANOUT_SINKS_POSTGRES_CONNECTION_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace fanout {

using PostgresStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

struct PostgresQuery {
  std::string sql;
  std::vector<std::optional<std::string>> params;  // text; nullopt is NULL
};

struct PostgresQueryResult {
  enum class State : std::uint8_t { kOk, kError, kAborted } state = State::kAborted;
  std::string sqlstate;  // kError
  std::string message;   // kError: the server's primary message
  std::vector<std::vector<std::optional<std::string>>> rows;  // of a SELECT
};

struct PostgresPipelineResult {
  // Empty when the pipeline ran to its Sync; else why the connection failed (libpq's message,
  // or a timeout). The connection is closed then and results may be incomplete.
  std::string connection_error;
  bool timed_out = false;
  std::vector<PostgresQueryResult> results;  // one per query, in order
};

// Sends the server's notices on `conn` (e.g. CREATE TABLE IF NOT EXISTS's "already exists,
// skipping") to the debug log instead of libpq's default, stderr.
void RouteNoticesToLog(pg_conn* conn);

class PostgresConnection : public std::enable_shared_from_this<PostgresConnection> {
 public:
  PostgresConnection(PostgresStrand strand, std::string dsn);
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  bool connected() const { return state_ == State::kReady; }
  bool busy() const { return state_ == State::kConnecting || state_ == State::kRunning; }

  // Connects (non-blocking), then enters pipeline mode. `done` gets "" on success, or libpq's
  // error message. REQUIRES: !busy().
  void Connect(std::chrono::milliseconds timeout, std::function<void(std::string error)> done);

  // Runs `queries` as one pipeline (one implicit transaction). REQUIRES: connected().
  void Run(std::vector<PostgresQuery> queries, std::chrono::milliseconds timeout,
           std::function<void(PostgresPipelineResult)> done);

  // Closes the connection; a callback in progress gets a connection error. Idempotent.
  void Close(const std::string& why = "connection closed");

 private:
  enum class State : std::uint8_t { kClosed, kConnecting, kReady, kRunning };
  // The text of each query of the running pipeline: an error's message keeps only the quoted
  // spans that are names in it (WithoutRowValues).
  std::vector<std::string> query_sql_;
  struct Expected {
    bool prepare = false;  // the result of a Prepare (not reported)
    std::size_t query = 0;
    std::string name;  // prepare: the statement name to remember on success
    std::string sql;   // prepare: its text
  };

  void PollConnect();
  void Drive();
  bool ReadResults();
  void Wait(bool write);
  void Finish(std::string error, bool timed_out = false);
  void ArmTimer(std::chrono::milliseconds timeout);
  bool AttachSocket();
  void DetachSocket();

  PostgresStrand strand_;
  std::string dsn_;
  pg_conn* conn_ = nullptr;
  State state_ = State::kClosed;
  boost::asio::posix::stream_descriptor socket_;
  int socket_fd_ = -1;
  boost::asio::steady_timer timer_;
  std::uint64_t generation_ = 0;  // bumped per operation: stale handlers do nothing
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool flushing_ = false;

  std::function<void(std::string)> connect_done_;
  std::function<void(PostgresPipelineResult)> run_done_;
  PostgresPipelineResult result_;
  std::vector<Expected> expected_;
  std::size_t next_expected_ = 0;
  bool in_result_ = false;  // a result of expected_[next_expected_] was seen
  // sql → statement name, for each statement the server said it prepared on this connection:
  // also those of a pipeline that failed later on (a prepared statement outlives the failed
  // transaction, and forgetting it would leave it on the server until the connection closes).
  std::unordered_map<std::string, std::string> prepared_;
  std::uint64_t statement_counter_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_CONNECTION_H_
