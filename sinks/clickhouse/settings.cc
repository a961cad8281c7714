#include "sinks/clickhouse/settings.h"

#include <string_view>

#include "sinks/clickhouse/spec.h"
#include "sinks/sink_settings.h"

namespace fanout {

Result<ClickHouseSinkSettings> ParseClickHouseSinkSettings(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values,
                          ReadSinkSettings(ClickHouseSinkType(), spec));
  ClickHouseSinkSettings out;
  const std::string_view url = values.String("url");
  if (url.empty()) return InvalidArgument("url: required for clickhouse sinks");
  FANOUT_ASSIGN_OR_RETURN(out.url, ParseHttpUrl(url));
  FANOUT_ASSIGN_OR_RETURN(out.tls, ParseTlsSettings(values, out.url.tls, out.url.host, "https://"));
  while (!out.url.base_path.empty() && out.url.base_path.back() == '/') {
    out.url.base_path.pop_back();  // "/ch/" + "/?query=" would make "//?query="
  }
  out.database = std::string(values.String("database"));  // an empty value takes the default
  out.timeout = values.Duration("timeout");
  out.pool_size = static_cast<std::size_t>(values.Integer("pool_size"));
  out.batch_size = static_cast<std::size_t>(values.Integer("batch_size"));
  out.linger = values.Duration("linger");
  const std::string_view username = values.String("username");
  const std::string_view password = values.String("password");
  if (!password.empty() && username.empty()) {
    return InvalidArgument("password: set without username");
  }
  // A user without a password is a valid ClickHouse user (the stock `default`).
  FANOUT_ASSIGN_OR_RETURN(out.authorization, BasicAuthorization(username, password));
  return out;
}

std::string QuoteClickHouseIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

}  // namespace fanout
