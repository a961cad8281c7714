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
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processor/core/status.h"
#include "sinks/net/tls_settings.h"
#include "sinks/sink.h"

namespace fanout {

// `http[s]://host[:port][/base]`, split for the client.
struct HttpUrl {
  bool tls = false;         // https
  std::string host;         // for the resolver: "example.com", "127.0.0.1", "::1" (no brackets)
  std::uint16_t port = 80;  // 80 (443 for https) when the URL gives none
  std::string host_header;  // the Host header: host as written (IPv6 in brackets), ":port" if set
  std::string base_path;    // "" or "/cdc" ... (as written; the route's path is appended)
};

// InvalidArgument for anything but `http://` or `https://` with a host (no user info, query or
// fragment: credentials go in `username`/`password`).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

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

// RFC 4648 base64 with padding (for Basic credentials).
std::string Base64Encode(std::string_view bytes);

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_SETTINGS_H_
