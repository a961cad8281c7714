#include "sinks/http/settings.h"

#include <algorithm>

#include "sinks/text_numbers.h"

namespace fanout {
namespace {

constexpr std::string_view kKnownSettings[] = {"url",        "timeout",  "pool_size",
                                               "batch_size", "username", "password"};

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
  for (const auto& [key, value] : spec.settings) {
    if (std::find(std::begin(kKnownSettings), std::end(kKnownSettings), key) ==
            std::end(kKnownSettings) &&
        !IsTlsSettingKey(key)) {
      return InvalidArgument(key + ": not a setting of http sinks");
    }
  }
  HttpSinkSettings out;
  std::string_view url = spec.Setting("url");
  if (url.empty()) return InvalidArgument("url: required for http sinks");
  FANOUT_ASSIGN_OR_RETURN(out.url, ParseHttpUrl(url));
  FANOUT_ASSIGN_OR_RETURN(out.tls, ParseTlsSettings(spec, out.url.tls, out.url.host, "https://"));
  if (std::string_view timeout = spec.Setting("timeout"); !timeout.empty()) {
    FANOUT_ASSIGN_OR_RETURN(out.timeout, ParseHttpTimeout(timeout));
  }
  FANOUT_ASSIGN_OR_RETURN(out.pool_size, ParseBounded(spec, "pool_size", 4, 1, 256));
  FANOUT_ASSIGN_OR_RETURN(out.batch_size, ParseBounded(spec, "batch_size", 1, 1, 100000));

  std::string_view username = spec.Setting("username");
  std::string_view password = spec.Setting("password");
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
