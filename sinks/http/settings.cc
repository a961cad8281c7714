#include "sinks/http/settings.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

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

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// RFC 9110 token characters, for header names.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Field values may not hold CR, LF or NUL (request smuggling) or other control characters.
bool IsValidHeaderValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

Result<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return InvalidArgument("not a non-negative integer");
  }
  return value;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  const bool tls = StartsWithIgnoreCase(url, "https://");
  if (!tls && !StartsWithIgnoreCase(url, "http://")) {
    return InvalidArgument("url: must start with http:// or https://");
  }
  std::string_view rest = url.substr(tls ? 8 : 7);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("url: a query or fragment is not supported");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.tls = tls;
  out.port = tls ? 443 : 80;
  out.base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("url: user info is not supported; use username and password");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // IPv6 literal
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("url: unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("url: unexpected text after ']'");
      port = after.substr(1);
      if (port.empty()) return InvalidArgument("url: empty port");
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return InvalidArgument("url: empty port");
  }
  if (host.empty()) return InvalidArgument("url: the host is missing");
  if (std::any_of(host.begin(), host.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f || c == '/' || c == '\\';
      })) {
    return InvalidArgument("url: the host has characters a host name cannot have");
  }
  if (!port.empty()) {
    Result<std::uint64_t> number = ParseUnsigned(port);
    if (!number.ok() || *number == 0 || *number > 65535) {
      return InvalidArgument("url: the port must be from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(*number);
  }
  if (std::any_of(out.base_path.begin(), out.base_path.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f;
      })) {
    return InvalidArgument("url: the path has spaces, control or non-ASCII characters");
  }
  out.host = std::string(host);
  out.host_header = authority.starts_with('[') ? "[" + out.host + "]" : out.host;
  if (out.port != (tls ? 443 : 80)) out.host_header += ":" + std::to_string(out.port);
  return out;
}

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
  if (username.find(':') != std::string_view::npos) {
    return InvalidArgument("username: Basic authentication does not allow ':' in it");
  }
  if (!IsValidHeaderValue(username) || !IsValidHeaderValue(password)) {
    return InvalidArgument("username/password: control characters are not allowed");
  }
  if (!username.empty()) {
    std::string credentials(username);
    credentials.push_back(':');
    credentials.append(password);
    out.authorization = "Basic " + Base64Encode(credentials);
  }

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

std::string Base64Encode(std::string_view bytes) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (left == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace fanout
