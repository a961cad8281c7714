// What every user of the HTTP client (sinks/net/http_client.h) reads from its settings the same
// way: the `url` and Basic credentials (`timeout` and the other typed settings come from each
// sink's spec, sinks/setting_fields.h). Each sink parses the rest of its settings, and names its
// own settings in its errors. Pure: no I/O.
//
// Values may hold secrets (password, header values): error messages name the setting at fault
// and never quote its value.
#ifndef FANOUT_SINKS_NET_HTTP_CLIENT_SETTINGS_H_
#define FANOUT_SINKS_NET_HTTP_CLIENT_SETTINGS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "processor/core/status.h"

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

// Whether `value` may stand in a header field: no CR, LF or NUL (request smuggling, header
// injection) and no other control character but tab.
bool IsValidHeaderValue(std::string_view value);

// The Authorization header value "Basic <base64(username:password)>", or "" when `username` is
// empty. InvalidArgument for a ':' in the username or a control character in either.
Result<std::string> BasicAuthorization(std::string_view username, std::string_view password);

// RFC 4648 base64 with padding (for Basic credentials and API keys): AppendBase64
// (processor/core/value.h) into a new string.
std::string Base64Encode(std::string_view bytes);

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_HTTP_CLIENT_SETTINGS_H_
