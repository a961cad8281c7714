#include "sinks/postgres/spec.h"

#include <limits>

#include "sinks/setting_fields.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

using T = config::FieldType;

config::SinkTypeSpec MakePostgresSinkType() {
  config::SinkTypeSpec spec{
      .type = "postgres",
      .description =
          "PostgreSQL: replica or append-only tables, rows and processed offsets in "
          "one transaction; exactly once. See sinks/postgres/README.md.",
      .dedup = true,
      .keys_progress_by_consumed_record = true,
  };
  spec.settings = {
      {.name = "dsn",
       .type = T::kString,
       .description = "Required. libpq connection string or URI of the target database "
                      "(`host=... dbname=... user=...` or `postgresql://user@host:port/db`); "
                      "use `${ENV}` for the password.",
       .secret = true},
      {.name = "offsets_table",
       .type = T::kString,
       .description = "`[schema.]name` of the processed-offsets table the postgres sink "
                      "writes in every transaction (created automatically, beside "
                      "`<name>_rejected`); see sinks/postgres/README.md.",
       .default_value = "fanout_processed_offsets"},
      {.name = "auto_evolve",
       .type = T::kBoolean,
       .description = "Add a column the target table lacks (`ALTER TABLE ... ADD COLUMN`, "
                      "nullable) when an event carries it.",
       .default_value = "false"},
      {.name = "on_schema_drift",
       .type = T::kEnum,
       .description = "With `auto_evolve` off, an event with a column the target lacks is "
                      "dead-lettered, or stops fanout (`fail`).",
       .default_value = "dead_letter",
       .values = {"dead_letter", "fail"}},
      // statement_timeout and the connection deadlines are int milliseconds.
      TimeoutField("Connecting, or one pipelined transaction (PostgreSQL's statement_timeout).",
                   std::numeric_limits<std::int32_t>::max()),
      PoolSizeField(),
      BatchSizeField("Most actions written in one transaction.", "500", 100000),
  };
  spec.route_keys = {
      {.name = "table",
       .type = T::kString,
       .description = "Target `[schema.]table` (it must exist); default: the source's "
                      "`schema.table`."},
      {.name = "mode",
       .type = T::kEnum,
       .description = "`upsert`: mirror rows by key (c/u/r upsert, d delete); `append`: one "
                      "new row per change (an audit trail) with `op_column` and "
                      "`position_column`.",
       .default_value = "upsert",
       .values = {"upsert", "append"}},
      {.name = "version_column",
       .type = T::kString,
       .description = "`mode: upsert`: a `numeric` column holding the source version of the "
                      "change that wrote the row; an older change never overwrites or deletes "
                      "a newer row."},
      {.name = "truncate",
       .type = T::kBoolean,
       .description = "`mode: upsert`: a truncate event (`t`, route it with `ops`) empties "
                      "the target table.",
       .default_value = "false"},
      {.name = "op_column",
       .type = T::kString,
       .description = "`mode: append`: the column receiving the op (c, u, d, r, t).",
       .default_value = "fanout_op"},
      {.name = "position_column",
       .type = T::kString,
       .description = "`mode: append`: the column receiving the source position "
                      "(`pg:<commit_lsn>:<lsn>`).",
       .default_value = "fanout_position"},
  };
  return spec;
}

}  // namespace

const config::SinkTypeSpec& PostgresSinkType() {
  static const config::SinkTypeSpec spec = MakePostgresSinkType();
  return spec;
}

}  // namespace fanout
