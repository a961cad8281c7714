#include "sinks/redis/settings.h"

#include <algorithm>
#include <limits>

#include "sinks/redis/spec.h"
#include "sinks/sink_settings.h"
#include "sinks/text_numbers.h"

namespace fanout {
namespace {

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char t) {
    return p == (t >= 'A' && t <= 'Z' ? static_cast<char>(t - 'A' + 'a') : t);
  });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding of URL user info.
Result<std::string> PercentDecode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return InvalidArgument("url: the " + std::string(what) + " has a bad %-escape");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

Result<RedisUrl> ParseRedisUrl(std::string_view url) {
  const bool tls = StartsWithIgnoreCase(url, "rediss://");
  if (!tls && !StartsWithIgnoreCase(url, "redis://")) {
    return InvalidArgument("url: must start with redis:// or rediss://");
  }
  std::string_view rest = url.substr(tls ? 9 : 8);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("url: a query or fragment is not supported");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);

  RedisUrl out;
  out.tls = tls;
  // The last '@' ends the user info: a password may hold '@' only percent-encoded, but being
  // lenient here costs nothing.
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // `redis://secret@host` is how redis-cli and most clients read a lone user info: a
      // password for the default user.
      FANOUT_ASSIGN_OR_RETURN(std::string password, PercentDecode(userinfo, "password"));
      if (!password.empty()) out.password = std::move(password);
    } else {
      FANOUT_ASSIGN_OR_RETURN(std::string username,
                              PercentDecode(userinfo.substr(0, colon), "user name"));
      FANOUT_ASSIGN_OR_RETURN(std::string password,
                              PercentDecode(userinfo.substr(colon + 1), "password"));
      if (!username.empty()) out.username = std::move(username);
      if (!password.empty()) out.password = std::move(password);
    }
  }

  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("url: unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("url: unexpected text after the host");
      port = after.substr(1);
      if (port.empty()) return InvalidArgument("url: empty port");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return InvalidArgument("url: empty port");
    }
  }
  if (host.empty()) return InvalidArgument("url: no host");
  out.host = std::string(host);
  if (!port.empty()) {
    Result<std::uint64_t> number = ParseUnsigned(port);
    if (!number.ok() || *number == 0 || *number > 65535) {
      return InvalidArgument("url: the port must be from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(*number);
  }
  if (!path.empty()) {
    Result<std::uint64_t> db = ParseUnsigned(path);
    if (!db.ok() || *db > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
      return InvalidArgument("url: the path must be a database number (redis://host:port/0)");
    }
    out.db = static_cast<std::int64_t>(*db);
  }
  return out;
}

Result<RedisSinkSettings> ParseRedisSinkSettings(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values, ReadSinkSettings(RedisSinkType(), spec));
  const std::string_view url_text = values.String("url");
  if (url_text.empty()) return InvalidArgument("url: required (redis://host:port/db)");
  FANOUT_ASSIGN_OR_RETURN(RedisUrl url, ParseRedisUrl(url_text));

  RedisSinkSettings out;
  out.host = std::move(url.host);
  out.port = url.port;
  out.db = url.db;
  FANOUT_ASSIGN_OR_RETURN(out.tls, ParseTlsSettings(values, url.tls, out.host, "rediss://"));
  out.username = values.Has("username") ? values.String("username") : url.username.value_or("");
  out.password = values.Has("password") ? values.String("password") : url.password.value_or("");
  if (!out.username.empty() && out.password.empty()) {
    return InvalidArgument("username: needs a password (Redis AUTH takes both)");
  }
  out.timeout = values.Duration("timeout");
  out.tombstone_ttl = values.Duration("tombstone_ttl");
  out.pool_size = static_cast<std::size_t>(values.Integer("pool_size"));
  out.batch_size = static_cast<std::size_t>(values.Integer("batch_size"));
  return out;
}

}  // namespace fanout
