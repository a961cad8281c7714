// The ClickHouse sink's settings (`url`, `database`, `username`, `password`, `tls_*`, `timeout`,
// `pool_size`, `batch_size`, `linger`), read from the typed values of its spec
// (sinks/clickhouse/spec.cc) and checked once, when the sink is created. Pure: no I/O.
//
// Values may hold secrets (password): error messages name the setting at fault and never quote
// its value.
#ifndef FANOUT_SINKS_CLICKHOUSE_SETTINGS_H_
#define FANOUT_SINKS_CLICKHOUSE_SETTINGS_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "processor/core/status.h"
#include "sinks/net/http_client_settings.h"
#include "sinks/net/tls_settings.h"
#include "sinks/sink.h"

namespace fanout {

struct ClickHouseSinkSettings {
  HttpUrl url;      // http[s]://host[:port][/base path]; the base path prefixes `/?query=`
  TlsSettings tls;  // enabled by an https url
  std::string database = "default";
  std::chrono::milliseconds timeout{10000};
  std::size_t pool_size = 1;
  std::size_t batch_size = 5000;
  std::chrono::milliseconds linger{200};  // a batch under batch_size waits this long; 0: none
  // "Basic <base64(user:password)>", or empty: the server's `default` user without a password.
  std::string authorization;
};

// InvalidArgument naming the setting at fault: a setting the spec refuses (unknown, `headers`, or
// out of its range), a missing or malformed `url`, bad `tls_*` settings, `password` without
// `username`, an empty `database`, credentials with control characters.
Result<ClickHouseSinkSettings> ParseClickHouseSinkSettings(const SinkSpec& spec);

// `name` as a ClickHouse identifier in backquotes (a backquote or backslash in it escaped), safe
// to put into a query whatever it holds.
std::string QuoteClickHouseIdentifier(std::string_view name);

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_SETTINGS_H_
