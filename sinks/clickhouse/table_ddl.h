// The CREATE TABLE of a ClickHouse sink's target table, made from the Kafka Connect schemas a
// Debezium record carries (JsonConverter with schemas.enable=true): the value's `after` struct
// gives the columns and their types, the key's struct the sorting key. What `fanout init-sink`
// prints or runs. Pure: no I/O.
//
// Type mapping (sinks/clickhouse/README.md has the table, with the reasons):
//   int8/16/32/64 → Int8/16/32/64, float → Float32, double → Float64, boolean → UInt8,
//   string → String, bytes → String (base64), Decimal(p, s) → Decimal(p, s) (p above the
//   server's maximum: the maximum), VariableScaleDecimal → Float64, Date → Date32,
//   Timestamp/MicroTimestamp/NanoTimestamp/ZonedTimestamp → DateTime64(3/6/9/6, 'UTC') (on a
//   server without Date32/DateTime64, e.g. 18.16: String, the ISO text, because the older
//   Date/DateTime silently zero what they cannot hold), MicroDuration → Int64, Uuid → UUID,
//   times of day, Json, Xml, Enum, Bits, arrays, structs → String.
//   Optional fields are Nullable(...), except the key columns.
//   Every table ends with `_version UInt64` and `_deleted UInt8`, and is
//   ReplacingMergeTree(_version) ORDER BY the key columns; on servers that have it,
//   non_replicated_deduplication_window drops an INSERT repeated with the same rows.
#ifndef FANOUT_SINKS_CLICKHOUSE_TABLE_DDL_H_
#define FANOUT_SINKS_CLICKHOUSE_TABLE_DDL_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "processor/core/status.h"

namespace fanout {

// What the server in front of us has, from its version().
struct ClickHouseDialect {
  bool datetime64 = true;          // DateTime64 (20.1)
  bool date32 = true;              // Date32 (21.9)
  bool dedup_window = true;        // MergeTree's non_replicated_deduplication_window (20.x)
  int max_decimal_precision = 76;  // Decimal256 (20.8); 38 before
};

// The dialect of a server that answered `version` ("18.16.1", "24.8.4.13"); the current one for
// a version that cannot be read.
ClickHouseDialect ClickHouseDialectOf(std::string_view version);

// One record as `kcat -C -J` prints it ({"key": "<json>", "payload": "<json>", ...}, what
// tests/data/debezium holds), or a bare JsonConverter value ({"schema":..., "payload":...}).
struct CapturedRecordText {
  std::string key;    // the key's JSON text; empty when the record has none
  std::string value;  // the value's JSON text
};
Result<CapturedRecordText> ParseCapturedRecord(std::string_view line);

// Renames or drops a source column as the route's projection does: nullopt drops it.
using ColumnNamer = std::function<std::optional<std::string>(std::string_view column)>;

// `CREATE TABLE IF NOT EXISTS <qualified_table> (...) ENGINE = ...` for `record`.
// InvalidArgument: no value schema (schemas.enable=false), no `after` struct in it, no key
// schema (a table without a primary key: no sorting key), a key column the projection drops, a
// column the projection calls _version or _deleted.
Result<std::string> ClickHouseCreateTable(const CapturedRecordText& record,
                                          std::string_view qualified_table,
                                          const ColumnNamer& namer,
                                          const ClickHouseDialect& dialect);

// The source table the record's value names: `table` from `payload.source.table`, `qualified`
// "schema.table" (PostgreSQL) or "db.table" (MySQL), as routes match it. Empty when it names none.
struct CapturedTable {
  std::string table;
  std::string qualified;
};
CapturedTable CapturedSourceTable(const CapturedRecordText& record);

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_TABLE_DDL_H_
