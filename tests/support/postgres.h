// A small libpq client for integration tests: run SQL against the stack's real PostgreSQL.
#ifndef FANOUT_TESTS_SUPPORT_POSTGRES_H_
#define FANOUT_TESTS_SUPPORT_POSTGRES_H_

#include <string>

struct pg_conn;

namespace fanout::testing {

class Postgres {
 public:
  explicit Postgres(const std::string& url);
  ~Postgres();
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  bool connected() const;
  std::string error() const;
  // Runs one or more statements; on error fails the calling test (unless `must_succeed` is
  // false, for best-effort cleanup) and returns false.
  bool Exec(const std::string& sql, bool must_succeed = true);
  // The first column of the first row, or "" (and a test failure) on error.
  std::string Scalar(const std::string& sql);

 private:
  pg_conn* conn_;
};

// `url` with its database replaced: "postgresql://u@h:p/x" + "db" → "postgresql://u@h:p/db".
std::string WithDatabase(const std::string& url, const std::string& database);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_POSTGRES_H_
