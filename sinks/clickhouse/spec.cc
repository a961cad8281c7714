#include "sinks/clickhouse/spec.h"

#include "sinks/net/tls_settings.h"
#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

using T = config::FieldType;

config::SinkTypeSpec MakeClickHouseSinkType() {
  config::SinkTypeSpec spec{
      .type = "clickhouse",
      .description =
          "ClickHouse: batched `INSERT ... FORMAT JSONEachRow` into ReplacingMergeTree(_version) "
          "tables, deletes as `_deleted = 1` rows; at least once, exactly once in the `FINAL` "
          "view. See sinks/clickhouse/README.md.",
      .dedup = false,
  };
  spec.settings = {
      {.name = "url",
       .type = T::kString,
       .description = "Required. The HTTP interface, `http://host:8123[/path]` (`https://` for "
                      "TLS, see the `tls_*` settings)."},
      {.name = "database",
       .type = T::kString,
       .description = "Database of the routes' tables.",
       .default_value = "default"},
      UsernameField("ClickHouse user (HTTP basic authentication); default: `default`."),
      PasswordField(),
  };
  for (config::FieldSpec& field : TlsSettingFields()) spec.settings.push_back(std::move(field));
  spec.settings.push_back(TimeoutField("Per-request timeout."));
  spec.settings.push_back(PoolSizeField(
      "1",
      "Connections kept open, and INSERTs in flight at once. ClickHouse prefers few large "
      "INSERTs (each makes a part to merge): with one, the next batch takes every row that "
      "arrived meanwhile."));
  spec.settings.push_back(BatchSizeField("Most rows in one INSERT.", "5000",
                                         static_cast<std::int64_t>(kMaxClickHouseBatch)));
  spec.settings.push_back(
      {.name = "linger",
       .type = T::kDuration,
       .description = "How long a batch smaller than `batch_size` waits before its INSERT, so "
                      "that the next batch gathers the rows that arrive meanwhile: fewer, larger "
                      "INSERTs (each makes a part ClickHouse merges later), at the price of this "
                      "much latency for a lone change. `0s`: insert at once.",
       .default_value = "200ms",
       .min = 0,
       .max = 60000});
  spec.route_keys = {
      {.name = "table",
       .type = T::kString,
       .description = "Target table in the sink's `database` (see `fanout init-sink`); "
                      "default: the source's table name, without its schema."},
      {.name = "decimals",
       .type = T::kEnum,
       .description = "How exact decimals are written: as JSON numbers with the source's "
                      "digits (what Decimal and Float64 columns take; ClickHouse parses them "
                      "exactly) or as JSON strings (for String columns).",
       .default_value = "number",
       .values = {"string", "number"}},
  };
  return spec;
}

}  // namespace

const config::SinkTypeSpec& ClickHouseSinkType() {
  static const config::SinkTypeSpec spec = MakeClickHouseSinkType();
  return spec;
}

}  // namespace fanout
