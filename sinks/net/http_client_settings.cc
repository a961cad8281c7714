#include "sinks/net/http_client_settings.h"

#include <algorithm>

#include "processor/core/value.h"
#include "sinks/text_numbers.h"

namespace fanout {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
  });
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace

bool IsValidHeaderValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

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

Result<std::string> BasicAuthorization(std::string_view username, std::string_view password) {
  if (username.find(':') != std::string_view::npos) {
    return InvalidArgument("username: Basic authentication does not allow ':' in it");
  }
  if (!IsValidHeaderValue(username) || !IsValidHeaderValue(password)) {
    return InvalidArgument("username/password: control characters are not allowed");
  }
  if (username.empty()) return std::string();
  std::string credentials(username);
  credentials.push_back(':');
  credentials.append(password);
  return "Basic " + Base64Encode(credentials);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  AppendBase64(out, bytes);
  return out;
}

}  // namespace fanout
