#include "sinks/http/settings.h"

#include <algorithm>

#include "sinks/http/spec.h"
#include "sinks/sink_settings.h"

namespace fanout {
namespace {

// Headers the sink writes itself: a user value would break framing, keep-alive or dedup.
constexpr std::string_view kReservedHeaders[] = {
    "host",    "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
    "trailer", "expect",         "idempotency-key"};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
  });
}

// RFC 9110 token characters, for header names.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

Result<HttpSinkSettings> ParseHttpSinkSettings(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values, ReadSinkSettings(HttpSinkType(), spec));
  HttpSinkSettings out;
  std::string_view url = values.String("url");
  if (url.empty()) return InvalidArgument("url: required for http sinks");
  FANOUT_ASSIGN_OR_RETURN(out.url, ParseHttpUrl(url));
  FANOUT_ASSIGN_OR_RETURN(out.tls, ParseTlsSettings(values, out.url.tls, out.url.host, "https://"));
  out.timeout = values.Duration("timeout");
  out.pool_size = static_cast<std::size_t>(values.Integer("pool_size"));
  out.batch_size = static_cast<std::size_t>(values.Integer("batch_size"));

  std::string_view username = values.String("username");
  std::string_view password = values.String("password");
  if (!password.empty() && username.empty()) {
    return InvalidArgument("password: set without username");
  }
  FANOUT_ASSIGN_OR_RETURN(out.authorization, BasicAuthorization(username, password));

  for (const auto& [name, value] : spec.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return InvalidArgument("headers: '" + name + "' is not a valid header name");
    }
    for (std::string_view reserved : kReservedHeaders) {
      if (EqualsIgnoreCase(name, reserved)) {
        return InvalidArgument("headers." + name + ": set by the sink itself");
      }
    }
    if (!out.authorization.empty() && EqualsIgnoreCase(name, "authorization")) {
      return InvalidArgument("headers." + name + ": conflicts with username/password");
    }
    if (!IsValidHeaderValue(value)) {
      return InvalidArgument("headers." + name + ": the value has control characters");
    }
    out.headers.emplace_back(name, value);
  }
  return out;
}

}  // namespace fanout
