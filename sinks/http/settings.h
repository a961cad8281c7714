// The HTTP sink's settings (`url`, `timeout`, `pool_size`, `batch_size`, `username`,
// `password`, `headers`), read from the typed values of its spec (sinks/http/spec.cc) and checked
// once, when the sink is created. Pure: no I/O.
//
// Values may hold secrets (password, header values): error messages name the setting at fault
// and never quote its value.
#ifndef FANOUT_SINKS_HTTP_SETTINGS_H_
#define FANOUT_SINKS_HTTP_SETTINGS_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "processor/core/status.h"
#include "sinks/net/http_client_settings.h"
#include "sinks/net/tls_settings.h"
#include "sinks/sink.h"

namespace fanout {

struct HttpSinkSettings {
  HttpUrl url;
  TlsSettings tls;  // enabled by an https url
  std::chrono::milliseconds timeout{10000};
  std::size_t pool_size = 4;
  std::size_t batch_size = 1;
  std::string authorization;  // "Basic ..." from username/password; empty when not set
  // Extra request headers, checked to be valid header names and values.
  std::vector<std::pair<std::string, std::string>> headers;
};

// InvalidArgument naming the setting at fault: a setting the spec (sinks/http/spec.cc) refuses
// (unknown, or out of its range), a missing or malformed `url`, `password` without `username`,
// a header name or value that is not valid in HTTP/1.1 or a header the sink sets itself.
Result<HttpSinkSettings> ParseHttpSinkSettings(const SinkSpec& spec);

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_SETTINGS_H_
