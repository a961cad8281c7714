// The Redis sink's settings (`url`, `username`, `password`, `timeout`, `pool_size`,
// `batch_size`, `tombstone_ttl`), parsed and checked once, when the sink is created. Pure: no I/O.
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

// A duration as everywhere in the config (processor/core/duration.h), greater than zero.
Result<std::chrono::milliseconds> ParseRedisDuration(std::string_view text);

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

// InvalidArgument naming the setting at fault: a missing or malformed `url`, a bad `timeout` or
// `tombstone_ttl`, `pool_size` outside 1..256, `batch_size` outside 1..100000, a `username`
// without a password, and any setting the Redis sink does not know. `username` and `password`
// override the URL's user info.
Result<RedisSinkSettings> ParseRedisSinkSettings(const SinkSpec& spec);

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_SETTINGS_H_
