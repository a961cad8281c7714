#include "sinks/http/spec.h"

#include "sinks/net/tls_settings.h"
#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

using T = config::FieldType;

config::SinkTypeSpec MakeHttpSinkType() {
  config::SinkTypeSpec spec{
      .type = "http",
      .description =
          "HTTP: each change POSTed as JSON with an `Idempotency-Key`; at least "
          "once. See sinks/http/README.md.",
      .dedup = true,
      .skips_reemissions = true,
  };
  spec.settings = {
      {.name = "url",
       .type = T::kString,
       .description = "Required. `http://host:port[/path]` (`https://` for TLS, see the "
                      "`tls_*` settings); a route's `path` is appended. No user info: use "
                      "`username` and `password`."},
      UsernameField("User name for HTTP basic authentication (no ':')."),
      PasswordField(),
  };
  for (config::FieldSpec& field : TlsSettingFields()) spec.settings.push_back(std::move(field));
  spec.settings.push_back(
      {.name = "headers",
       .type = T::kPropertyMap,
       .description = "Extra HTTP request headers (not those the sink sets itself, such as "
                      "`Host`, `Content-Length` or `Idempotency-Key`)."});
  spec.settings.push_back(TimeoutField("Per-request timeout."));
  spec.settings.push_back(PoolSizeField());
  spec.settings.push_back(
      BatchSizeField("Most events in one POST. 1: one event per request; above 1, a POST "
                     "carries a JSON array (see sinks/http/README.md).",
                     "1", 100000));
  spec.route_keys = {
      ValueRouteKey("What the request body carries: the projected after-image, or the whole "
                    "event."),
      {.name = "path",
       .type = T::kTemplate,
       .description = "Request path appended to the sink's URL. Each placeholder's value is "
                      "percent-encoded as one path segment (`/ ? # & %` included); a value `.` "
                      "or `..` is a bad record. Only with `batch_size` 1."},
  };
  return spec;
}

}  // namespace

const config::SinkTypeSpec& HttpSinkType() {
  static const config::SinkTypeSpec spec = MakeHttpSinkType();
  return spec;
}

}  // namespace fanout
