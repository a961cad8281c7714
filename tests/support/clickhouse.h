// Test support for the stack's real ClickHouse (FANOUT_CLICKHOUSE_URL, HTTP interface): a plain
// synchronous client to create tables and read what the sink wrote.
#ifndef FANOUT_TESTS_SUPPORT_CLICKHOUSE_H_
#define FANOUT_TESTS_SUPPORT_CLICKHOUSE_H_

#include <cstdint>
#include <string>

#include "tests/support/http_call.h"

namespace fanout::testing {

// Thread-compatible (one per thread).
class ClickHouseClient {
 public:
  // FANOUT_CLICKHOUSE_URL (fails the calling test when it is not set).
  ClickHouseClient();

  // Runs `sql` (POSTed as the body); the server's answer as it is.
  HttpReply Query(const std::string& sql);
  // Runs `sql` and fails the calling test unless it succeeds; returns the rows as text, without
  // the last newline.
  std::string Must(const std::string& sql);

  std::string url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  std::string host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  std::string host_;
  std::uint16_t port_ = 0;
};

// `text` as a ClickHouse string literal ('...' with \\ and \' escaped).
std::string ClickHouseQuote(const std::string& text);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_CLICKHOUSE_H_
