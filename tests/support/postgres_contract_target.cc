// The PostgreSQL sink under the shared contract: items are mirrored into a table of the stack's
// replica database, in a schema of the test's own; a bad record is a NULL name (NOT NULL column).
// The route has no version column: the sink's own guard is its processed offsets (a replay is
// skipped by the database), so, like HTTP, a change that arrives late for the first time is
// written (guards_versions() false). The version guard itself is tested in
// tests/integration/postgres_sink_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "sinks/postgres/postgres_sink.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"
#include "tests/support/sink_contract.h"

namespace fanout::testing {
namespace {

// "postgresql://user@host:port/db": the host:port part's bounds in `url`.
std::pair<std::size_t, std::size_t> HostPortSpan(const std::string& url) {
  std::size_t begin = url.find("://");
  begin = begin == std::string::npos ? 0 : begin + 3;
  const std::size_t slash = url.find('/', begin);
  const std::size_t at = url.rfind('@', slash);
  if (at != std::string::npos && at >= begin) begin = at + 1;
  return {begin, slash == std::string::npos ? url.size() : slash};
}

class PostgresContractTarget : public ContractTarget {
 public:
  explicit PostgresContractTarget(const std::string& test_name)
      : url_(RequireEnv("FANOUT_REPLICA_PG_URL")), db_(url_) {
    schema_ = "fo_contract_" + test_name;
    for (char& c : schema_) {
      c = std::isalnum(static_cast<unsigned char>(c))
              ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
              : '_';
    }
    schema_ = schema_.substr(0, 63);
    EXPECT_TRUE(db_.Exec("drop schema if exists " + schema_ + " cascade; create schema " + schema_ +
                         "; create table " + schema_ +
                         ".items (id int primary key, name text not null, qty bigint)"));
  }

  ~PostgresContractTarget() override {
    (void)db_.Exec("drop schema if exists " + schema_ + " cascade", false);
  }

  std::string upstream_host() const override {
    const auto [begin, end] = HostPortSpan(url_);
    const std::string host_port = url_.substr(begin, end - begin);
    return host_port.substr(0, host_port.rfind(':'));
  }
  std::uint16_t upstream_port() const override {
    const auto [begin, end] = HostPortSpan(url_);
    const std::string host_port = url_.substr(begin, end - begin);
    return static_cast<std::uint16_t>(std::stoi(host_port.substr(host_port.rfind(':') + 1)));
  }

  Result<std::unique_ptr<Sink>> MakeSink(const std::string& address,
                                         SinkRuntime& runtime) override {
    // The stack's URL with the proxy's address: same user, same database.
    const auto [begin, end] = HostPortSpan(url_);
    const std::string dsn = url_.substr(0, begin) + address + url_.substr(end);
    SinkSpec spec{"replica",
                  "postgres",
                  {{"dsn", dsn},
                   {"timeout", "5s"},
                   {"pool_size", "2"},
                   {"offsets_table", schema_ + ".offsets"}},
                  {}};
    spec.consumer_group = "contract";
    return CreatePostgresSink(spec, runtime);
  }

  RouteSpec Route(Options* options) const override {
    *options = {{"table", schema_ + ".items"}};
    RouteSpec spec;
    spec.name = "items-replica";
    spec.sink = "replica";
    return spec;
  }

  std::optional<std::string> StoredName(int id) override {
    const std::string found = db_.Scalar("select coalesce((select 'row:' || name from " + schema_ +
                                         ".items where id = " + std::to_string(id) + "), 'none')");
    if (found.rfind("row:", 0) != 0) return std::nullopt;
    return found.substr(4);
  }

  void PrepareBadRecord(int, Row* row) override {
    for (Column& column : *row) {
      if (column.name == "name") column.value = Value::Null();
    }
  }

  bool guards_versions() const override { return false; }

 private:
  std::string url_;
  Postgres db_;
  std::string schema_;
};

}  // namespace

std::unique_ptr<ContractTarget> MakePostgresContractTarget(const std::string& test_name) {
  return std::make_unique<PostgresContractTarget>(test_name);
}

}  // namespace fanout::testing
