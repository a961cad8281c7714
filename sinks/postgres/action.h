// PostgresAction: what one (event, route) asks of the target database, with every value already
// rendered to text (sinks/postgres/values.h). Built on the consume thread by the action builder,
// then only read on the sink's I/O thread, where it becomes SQL against the target table's
// current columns (sinks/postgres/statements.h).
#ifndef FANOUT_SINKS_POSTGRES_ACTION_H_
#define FANOUT_SINKS_POSTGRES_ACTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "processor/core/value.h"
#include "sinks/sink.h"

namespace fanout {

enum class PostgresActionKind : std::uint8_t {
  kUpsert,    // INSERT ... ON CONFLICT (key) DO UPDATE (c, u, r)
  kDelete,    // DELETE ... WHERE key (d)
  kTruncate,  // every row of the table (t, opt-in)
  kAppend,    // INSERT ... ON CONFLICT DO NOTHING: one row per change (audit)
};

struct PostgresColumn {
  std::string name;                       // after projection (rename)
  std::optional<std::string> text;        // nullopt: SQL NULL
  Value::Kind kind = Value::Kind::kNull;  // what the source sent: the type of an added column
};

struct PostgresAction final : public SinkAction {
  PostgresActionKind kind = PostgresActionKind::kUpsert;
  // The target as SQL: quoted and, when a schema is known, schema-qualified (`"s"."t"`). Quoted
  // once when built, so a schema or table name holding a dot or a quote stays one name.
  std::string table;
  // Whether `table` is named by the record (the source's schema.table) rather than configured:
  // a refusal to write it (42501) is then the record's, and dead-letters it.
  bool table_from_record = false;
  // The processed-offsets key of the action: one row per (route, topic, partition).
  std::string route;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::vector<PostgresColumn> key;        // kUpsert: conflict target; kDelete: WHERE
  std::vector<PostgresColumn> columns;    // kUpsert, kAppend: what is written (key included)
  std::optional<PostgresColumn> version;  // guard column and this change's version
};

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_ACTION_H_
