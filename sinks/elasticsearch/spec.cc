#include "sinks/elasticsearch/spec.h"

#include "sinks/net/tls_settings.h"
#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

using T = config::FieldType;

config::SinkTypeSpec MakeElasticsearchSinkType() {
  config::SinkTypeSpec spec{
      .type = "elasticsearch",
      .description =
          "Elasticsearch or OpenSearch: `_bulk` index/delete with external "
          "versions; effectively once. See sinks/elasticsearch/README.md.",
      .route_needs_one_of = {{"index"}},
      .dedup = true,
  };
  spec.settings = {
      {.name = "url",
       .type = T::kString,
       .description = "Required. `http://host:port[/path]` (`https://` for TLS, see the "
                      "`tls_*` settings); the path prefixes `/_bulk`."},
      UsernameField("User name for HTTP basic authentication (needs `password`)."),
      PasswordField(),
      {.name = "api_key",
       .type = T::kString,
       .description = "API key (`Authorization: ApiKey ...`), either `encoded` as "
                      "Elasticsearch returns it or `id:api_key`; not with `username`. Use "
                      "`${ENV}`.",
       .secret = true},
  };
  for (config::FieldSpec& field : TlsSettingFields()) spec.settings.push_back(std::move(field));
  spec.settings.push_back(TimeoutField("Per-request timeout."));
  spec.settings.push_back(PoolSizeField());
  spec.settings.push_back(BatchSizeField(
      "Most actions in one `_bulk` request (its response must fit in the HTTP client's 1 MiB).",
      "500", static_cast<std::int64_t>(kMaxElasticsearchBatch)));
  spec.route_keys = {
      {.name = "index", .type = T::kTemplate, .description = "Target index."},
      {.name = "id",
       .type = T::kTemplate,
       .description = "Document `_id`; default: the row key (`{key.<col>}` joined by `:`)."},
      {.name = "delete_mode",
       .type = T::kEnum,
       .description = "`hard`: versioned delete; `soft`: a versioned `_deleted: true` flag.",
       .default_value = "hard",
       .values = {"hard", "soft"}},
      {.name = "decimals",
       .type = T::kEnum,
       .description = "How exact decimals are written into documents: as JSON strings (exact, "
                      "the default) or as JSON numbers (a float mapping may round them).",
       .default_value = "string",
       .values = {"string", "number"}},
  };
  return spec;
}

}  // namespace

const config::SinkTypeSpec& ElasticsearchSinkType() {
  static const config::SinkTypeSpec spec = MakeElasticsearchSinkType();
  return spec;
}

}  // namespace fanout
