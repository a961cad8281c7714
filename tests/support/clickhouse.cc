#include "tests/support/clickhouse.h"

#include <gtest/gtest.h>

#include "sinks/net/http_client_settings.h"
#include "tests/support/process.h"

namespace fanout::testing {

ClickHouseClient::ClickHouseClient() {
  Result<HttpUrl> url = ParseHttpUrl(RequireEnv("FANOUT_CLICKHOUSE_URL"));
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  if (!url.ok()) return;
  host_ = url->host;
  port_ = url->port;
}

HttpReply ClickHouseClient::Query(const std::string& sql) {
  return HttpCall(host_, port_, "POST", "/", sql);
}

std::string ClickHouseClient::Must(const std::string& sql) {
  HttpReply reply = Query(sql);
  EXPECT_EQ(reply.status, 200u) << sql << "\n" << reply.body;
  if (!reply.body.empty() && reply.body.back() == '\n') reply.body.pop_back();
  return reply.body;
}

std::string ClickHouseQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace fanout::testing
