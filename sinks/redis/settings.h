// The Redis sink's settings (`url`, `username`, `password`, `timeout`, `pool_size`,
// `batch_size`, `tombstone_ttl`), read from the typed values of its spec (sinks/redis/spec.cc) and
// checked once, when the sink is created. Pure: no I/O.
//
// Values may hold secrets (the password, and a URL with user info): error messages name the
// setting at fault and never quote its value.
#ifndef FANOUT_SINKS_REDIS_SETTINGS_H_
#define FANOUT_SINKS_REDIS_SETTINGS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "processor/core/status.h"
#include "sinks/net/tls_settings.h"
#include "sinks/sink.h"

namespace fanout {

// `redis://[[username]:password@]host[:port][/db]`, split for the client. User info is
// percent-decoded (a password with '@' or ':' must be written %40, %3A).
struct RedisUrl {
  bool tls = false;  // rediss://
  std::string host;  // for the resolver: "cache.local", "127.0.0.1", "::1" (no brackets)
  std::uint16_t port = 6379;
  std::int64_t db = 0;  // SELECTed on every connection when not 0
  std::optional<std::string> username;
  std::optional<std::string> password;
};

// InvalidArgument naming what is wrong: anything but `redis://` or `rediss://` (TLS) with a
// host; a query or fragment; a db that is not a non-negative integer.
Result<RedisUrl> ParseRedisUrl(std::string_view url);

struct RedisSinkSettings {
  std::string host;
  std::uint16_t port = 6379;
  TlsSettings tls;  // enabled by a rediss:// url
  std::int64_t db = 0;
  std::string username;  // empty: AUTH with the password only (the default user)
  std::string password;  // empty: no AUTH
  std::chrono::milliseconds timeout{10000};  // one round trip: connect, handshake or pipeline
  std::size_t pool_size = 4;
  std::size_t batch_size = 500;
  // How long a deleted row's version marker (tombstone) is kept; see README.md.
  std::chrono::milliseconds tombstone_ttl{24 * 3600 * 1000};
};

// InvalidArgument naming the setting at fault: a setting the spec (sinks/redis/spec.cc) refuses
// (unknown, or out of its range), a missing or malformed `url`, a `username` without a
// password. `username` and `password` override the URL's user info.
Result<RedisSinkSettings> ParseRedisSinkSettings(const SinkSpec& spec);

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_SETTINGS_H_
