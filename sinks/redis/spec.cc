#include "sinks/redis/spec.h"

#include "sinks/net/tls_settings.h"
#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

using T = config::FieldType;

config::SinkTypeSpec MakeRedisSinkType() {
  config::SinkTypeSpec spec{
      .type = "redis",
      .description =
          "Redis: invalidates, upserts (versioned) and publishes; effectively once. "
          "See sinks/redis/README.md.",
      .route_needs_one_of = {{"invalidate", "upsert", "publish"}},
      .dedup = true,
  };
  spec.settings = {
      {.name = "url",
       .type = T::kString,
       .description = "Required. `redis://[user:password@]host:port/db` (`rediss://` for TLS, "
                      "see the `tls_*` settings); user info is percent-decoded."},
      UsernameField("Redis ACL user (needs a password); overrides the url's."),
      PasswordField(),
  };
  for (config::FieldSpec& field : TlsSettingFields()) spec.settings.push_back(std::move(field));
  spec.settings.push_back(
      TimeoutField("One round trip: connecting, the handshake, or one pipeline."));
  spec.settings.push_back(PoolSizeField());
  spec.settings.push_back(
      {.name = "tombstone_ttl",
       .type = T::kDuration,
       .description = "How long a deleted row's version is kept (`<key>:fanout:version`), so "
                      "that a replayed older upsert cannot bring the row back; see "
                      "sinks/redis/README.md.",
       .default_value = "24h",
       .min = 1});
  spec.settings.push_back(
      BatchSizeField("Most commands pipelined in one round trip.", "500", 100000));
  spec.route_keys = {
      {.name = "invalidate",
       .type = T::kTemplateList,
       .description = "Redis keys to delete, rendered from the before and the after image (a "
                      "changed e-mail invalidates the old and the new key).",
       .example = "invalidate: [\"customer:{id}\", \"customer:email:{email}\"]"},
      {.name = "upsert",
       .type = T::kTemplate,
       .description = "Redis key the projected row is written to (guarded by source version)."},
      {.name = "format",
       .type = T::kEnum,
       .description = "How `upsert` stores the row: a JSON string, or a hash of its columns.",
       .default_value = "json",
       .values = {"json", "hash"}},
      {.name = "publish",
       .type = T::kTemplate,
       .description = "Redis channel an invalidation message is published on."},
  };
  return spec;
}

}  // namespace

const config::SinkTypeSpec& RedisSinkType() {
  static const config::SinkTypeSpec spec = MakeRedisSinkType();
  return spec;
}

}  // namespace fanout
