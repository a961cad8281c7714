// PostgresConnection (the PostgreSQL sink's libpq pipeline) against the stack's real replica
// cluster (FANOUT_REPLICA_PG_URL): what the server prepared stays known to the connection, also
// when the pipeline that prepared it failed later on.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sinks/postgres/connection.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

class PostgresConnectionTest : public ::testing::Test {
 protected:
  PostgresConnectionTest()
      : connection_(std::make_shared<PostgresConnection>(boost::asio::make_strand(io_),
                                                         RequireEnv("FANOUT_REPLICA_PG_URL"))) {}

  std::string Connect() {
    std::optional<std::string> error;
    connection_->Connect(kTimeout, [&](std::string e) { error = std::move(e); });
    RunUntil([&] { return error.has_value(); });
    return error.value_or("no answer");
  }

  PostgresPipelineResult Run(std::vector<PostgresQuery> queries) {
    std::optional<PostgresPipelineResult> result;
    connection_->Run(std::move(queries), kTimeout,
                     [&](PostgresPipelineResult r) { result = std::move(r); });
    RunUntil([&] { return result.has_value(); });
    return result.value_or(PostgresPipelineResult{"no answer", false, {}});
  }

  template <typename Done>
  void RunUntil(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + 2 * kTimeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(50));
    }
  }

  boost::asio::io_context io_;
  std::shared_ptr<PostgresConnection> connection_;
};

TEST_F(PostgresConnectionTest, AStatementPreparedInAPipelineThatFailedIsReused) {
  ASSERT_EQ(Connect(), "");
  const std::string sql = "SELECT 40 + $1::int";
  PostgresPipelineResult first = Run({{sql, {"1"}}, {"SELECT 1 / $1::int", {"0"}}});
  ASSERT_EQ(first.connection_error, "");
  ASSERT_EQ(first.results.size(), 2u);
  EXPECT_EQ(first.results[0].state, PostgresQueryResult::State::kOk);
  EXPECT_EQ(first.results[1].state, PostgresQueryResult::State::kError);
  EXPECT_EQ(first.results[1].sqlstate, "22012");

  // The first statement was prepared although its pipeline failed: it is used again, not
  // prepared a second time under a new name (which would leave the first on the server).
  PostgresPipelineResult second = Run(
      {{sql, {"2"}},
       {"SELECT count(*)::text FROM pg_prepared_statements WHERE statement = $1::text", {sql}}});
  ASSERT_EQ(second.connection_error, "");
  ASSERT_EQ(second.results.size(), 2u);
  ASSERT_EQ(second.results[0].state, PostgresQueryResult::State::kOk);
  ASSERT_EQ(second.results[0].rows.size(), 1u);
  EXPECT_EQ(second.results[0].rows[0][0], std::optional<std::string>("42"));
  ASSERT_EQ(second.results[1].state, PostgresQueryResult::State::kOk);
  ASSERT_EQ(second.results[1].rows.size(), 1u);
  EXPECT_EQ(second.results[1].rows[0][0], std::optional<std::string>("1"));
  connection_->Close();
}

}  // namespace
}  // namespace fanout::testing
