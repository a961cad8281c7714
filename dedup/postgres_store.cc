#include "dedup/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>
#include <unordered_set>

#include "sinks/postgres/settings.h"
#include "sinks/postgres/spec.h"
#include "sinks/sink_settings.h"

namespace fanout {
namespace {

using Clock = std::chrono::steady_clock;

// Purge deletes at most this many rows per statement, so that it never holds locks on a large
// part of the table for long.
constexpr std::size_t kPurgeChunk = 10000;
constexpr int kPurgeMaxChunks = 100;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// A PostgreSQL array literal of text: {"a","b\"c"}.
std::string TextArray(std::string_view prefix, std::span<const std::string> keys) {
  std::string out = "{";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (std::string_view part : {prefix, std::string_view(keys[i])}) {
      for (char c : part) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

// The store's one place that maps libpq errors onto Status, by SQLSTATE class: connection
// exceptions (08), the server shutting down or starting (57P0x), insufficient resources (53)
// and serialization failures or deadlocks (40) are worth retrying; refused credentials (28),
// missing privileges or objects (42) and anything else are not.
Status ClassifyResultError(const PGresult* result, std::string_view doing) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state != nullptr ? state : "";
  // The primary message only: the detail may quote key values.
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string why = "postgres idempotency store: " + std::string(doing) + ": " +
                          (primary != nullptr ? primary : "error") + " (SQLSTATE " + sqlstate + ")";
  const std::string_view cls = std::string_view(sqlstate).substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "40" || sqlstate.starts_with("57P")) {
    return Unavailable(why);
  }
  if (sqlstate == "57014") return DeadlineExceeded(why);  // statement timeout / cancelled
  if (cls == "28" || cls == "42" || cls == "3D") return FailedPrecondition(why);
  return Internal(why);
}

class PostgresIdempotencyStore final : public IdempotencyStore {
 public:
  explicit PostgresIdempotencyStore(PostgresStoreOptions options) : options_(std::move(options)) {
    const std::string& table = options_.table;
    const std::size_t dot = table.find('.');
    const std::string bare = dot == std::string::npos ? table : table.substr(dot + 1);
    create_table_sql_ = "CREATE TABLE IF NOT EXISTS " + table +
                        " (key text PRIMARY KEY, expires_at timestamptz NOT NULL)";
    create_index_sql_ =
        "CREATE INDEX IF NOT EXISTS " + bare + "_expires_at ON " + table + " (expires_at)";
    contains_sql_ =
        "SELECT key FROM " + table + " WHERE key = ANY($1::text[]) AND expires_at > now()";
    // A key recorded and not expired keeps its first expiry (DO NOTHING for it); an expired row
    // the purge has not removed yet is renewed, or it would make the change look undelivered.
    record_sql_ = "INSERT INTO " + table +
                  " AS k (key, expires_at) SELECT DISTINCT unnest($1::text[]), now() + "
                  "$2::bigint * interval '1 millisecond' ON CONFLICT (key) DO UPDATE SET "
                  "expires_at = EXCLUDED.expires_at WHERE k.expires_at <= now()";
    purge_sql_ = "DELETE FROM " + table + " WHERE ctid IN (SELECT ctid FROM " + table +
                 " WHERE expires_at <= now() LIMIT " + std::to_string(kPurgeChunk) + ")";
  }

  Status Start() override { return Connect(); }

  Result<std::vector<bool>> Contains(std::span<const std::string> keys) override {
    std::vector<bool> found(keys.size(), false);
    if (keys.empty()) return found;
    const std::string array = TextArray(prefix(), keys);
    FANOUT_ASSIGN_OR_RETURN(ResultPtr result, Exec(contains_sql_, {array.c_str()}, "check keys"));
    std::unordered_set<std::string_view> present;
    const int rows = PQntuples(result.get());
    for (int row = 0; row < rows; ++row) {
      present.emplace(PQgetvalue(result.get(), row, 0),
                      static_cast<std::size_t>(PQgetlength(result.get(), row, 0)));
    }
    std::string full;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      full = prefix() + keys[i];
      found[i] = present.contains(full);
    }
    return found;
  }

  Status Record(std::span<const std::string> keys, std::chrono::milliseconds ttl) override {
    if (keys.empty()) return Status();
    if (ttl.count() <= 0) return InvalidArgument("the idempotency key ttl must be above zero");
    const std::string array = TextArray(prefix(), keys);
    const std::string millis = std::to_string(ttl.count());
    FANOUT_ASSIGN_OR_RETURN(ResultPtr result,
                            Exec(record_sql_, {array.c_str(), millis.c_str()}, "record keys"));
    return Status();
  }

  Result<std::size_t> Purge() override {
    std::size_t purged = 0;
    for (int chunk = 0; chunk < kPurgeMaxChunks; ++chunk) {
      FANOUT_ASSIGN_OR_RETURN(ResultPtr result, Exec(purge_sql_, {}, "purge expired keys"));
      std::size_t deleted = 0;
      const std::string_view tuples = PQcmdTuples(result.get());
      std::from_chars(tuples.data(), tuples.data() + tuples.size(), deleted);
      purged += deleted;
      if (deleted < kPurgeChunk) break;
    }
    return purged;
  }

  std::string_view type() const override { return "postgres"; }

 private:
  std::string prefix() const {
    return options_.key_prefix.empty() ? std::string() : options_.key_prefix + ":";
  }

  Status Connect() {
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return Status();
    conn_.reset();
    // libpq takes whole seconds, at least 2.
    const auto seconds = std::max<std::int64_t>(
        2, std::chrono::ceil<std::chrono::seconds>(options_.timeout).count());
    const std::string timeout = std::to_string(seconds);
    const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char* values[] = {options_.dsn.c_str(), timeout.c_str(), "fanout-idempotency", nullptr};
    ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
    if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
      // libpq's message names host and port, never the password.
      std::string why = conn != nullptr ? PQerrorMessage(conn.get()) : "out of memory";
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      if (why.find("password authentication failed") != std::string::npos ||
          why.find("does not exist") != std::string::npos) {
        return FailedPrecondition("postgres idempotency store: connect: " + why);
      }
      return Unavailable("postgres idempotency store: connect: " + why);
    }
    conn_ = std::move(conn);
    // CREATE ... IF NOT EXISTS says "already exists, skipping" on every start: not for stderr.
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
    // One statement per call: the extended protocol takes no more.
    for (const std::string* sql : {&create_table_sql_, &create_index_sql_}) {
      Result<ResultPtr> created = Exec(*sql, {}, "create the keys table");
      if (created.ok()) continue;
      // Two instances creating the table at once: one of them loses the race on the catalog.
      const std::string_view message = created.status().message();
      if (message.find("SQLSTATE 23505") == std::string_view::npos &&
          message.find("SQLSTATE 42P07") == std::string_view::npos) {
        conn_.reset();
        return created.status();
      }
    }
    return Status();
  }

  // Runs one statement, waiting at most the timeout (libpq's own PQexec could wait forever on a
  // dead peer). Any failure but a statement error drops the connection.
  Result<ResultPtr> Exec(const std::string& sql, std::initializer_list<const char*> params,
                         std::string_view doing) {
    FANOUT_RETURN_IF_ERROR(Connect());
    const std::vector<const char*> values(params);
    if (PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0) != 1) {
      return Lost(doing);
    }
    const Clock::time_point deadline = Clock::now() + options_.timeout;
    for (;;) {  // send what libpq buffered
      const int flushed = PQflush(conn_.get());
      if (flushed == 0) break;
      if (flushed < 0) return Lost(doing);
      FANOUT_RETURN_IF_ERROR(WaitSocket(POLLOUT | POLLIN, deadline, doing));
      if (PQconsumeInput(conn_.get()) != 1) return Lost(doing);
    }
    while (PQisBusy(conn_.get()) == 1) {
      FANOUT_RETURN_IF_ERROR(WaitSocket(POLLIN, deadline, doing));
      if (PQconsumeInput(conn_.get()) != 1) return Lost(doing);
    }
    ResultPtr first;
    while (PGresult* raw = PQgetResult(conn_.get())) {
      ResultPtr result(raw);
      if (!first) first = std::move(result);
    }
    if (!first) return Lost(doing);
    const ExecStatusType status = PQresultStatus(first.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return first;
    Status error = ClassifyResultError(first.get(), doing);
    if (PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
    return error;
  }

  Status WaitSocket(short events, Clock::time_point deadline, std::string_view doing) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return TimedOut(doing);
    pollfd fd{PQsocket(conn_.get()), events, 0};
    const int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready == 0) return TimedOut(doing);
    if (ready < 0 && errno != EINTR) return Lost(doing);
    return Status();
  }

  Status TimedOut(std::string_view doing) {
    conn_.reset();  // the statement may still run; a fresh connection is in step for sure
    return DeadlineExceeded("postgres idempotency store: " + std::string(doing) +
                            ": no answer in " + std::to_string(options_.timeout.count()) + "ms");
  }

  Status Lost(std::string_view doing) {
    std::string why = conn_ ? PQerrorMessage(conn_.get()) : "no connection";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    conn_.reset();
    return Unavailable("postgres idempotency store: " + std::string(doing) + ": " + why);
  }

  PostgresStoreOptions options_;
  std::string create_table_sql_;
  std::string create_index_sql_;
  std::string contains_sql_;
  std::string record_sql_;
  std::string purge_sql_;
  ConnPtr conn_;
};

}  // namespace

Result<std::unique_ptr<IdempotencyStore>> CreatePostgresIdempotencyStore(
    PostgresStoreOptions options) {
  if (options.dsn.empty()) return InvalidArgument("dsn: required");
  if (!IsPlainQualifiedName(options.table)) {
    return InvalidArgument("table: must be [schema.]name of letters, digits and _");
  }
  if (options.timeout.count() <= 0) return InvalidArgument("timeout: must be above zero");
  return std::unique_ptr<IdempotencyStore>(
      std::make_unique<PostgresIdempotencyStore>(std::move(options)));
}

Result<std::unique_ptr<IdempotencyStore>> CreatePostgresIdempotencyStore(const SinkSpec& spec,
                                                                         std::string key_prefix) {
  // The sink's own settings, read by its spec: the store takes its connection and timeout.
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values, ReadSinkSettings(PostgresSinkType(), spec));
  PostgresStoreOptions options;
  options.dsn = std::string(values.String("dsn"));
  options.key_prefix = std::move(key_prefix);
  options.timeout = values.Duration("timeout");
  return CreatePostgresIdempotencyStore(std::move(options));
}

}  // namespace fanout
