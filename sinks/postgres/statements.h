// The SQL of one PostgresAction against the target table as it is now (its columns and their
// types, read from the catalog by the sink). Pure: no I/O.
//
//   upsert   INSERT INTO t AS fanout_t (cols) SELECT $1::type, ... WHERE <not yet applied>
//            ON CONFLICT (key) DO UPDATE SET col = EXCLUDED.col, ...
//            [WHERE fanout_t.v IS NULL OR fanout_t.v < EXCLUDED.v]        (version guard)
//   delete   DELETE FROM t AS fanout_t WHERE key = $1::type AND <not yet applied>
//            [AND (fanout_t.v IS NULL OR fanout_t.v < $n::type)]
//   truncate DELETE FROM t WHERE <not yet applied>   (a DELETE, not TRUNCATE: it can be
//            guarded by the processed offsets and is transactional like the rest of the batch)
//   append   INSERT INTO t (cols) SELECT ... WHERE <not yet applied> ON CONFLICT DO NOTHING
//
// <not yet applied> is ProcessedOffsetsSql::Guard. Every value is a text parameter cast to the
// column's own type, so the server parses numeric, timestamptz, date, jsonb, uuid and bytea.
#ifndef FANOUT_SINKS_POSTGRES_STATEMENTS_H_
#define FANOUT_SINKS_POSTGRES_STATEMENTS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dedup/processed_offsets.h"
#include "processor/core/status.h"
#include "sinks/postgres/action.h"

namespace fanout {

// A target table's columns: name → type as format_type() spells it ("numeric(10,2)").
struct TableInfo {
  bool exists = false;
  std::map<std::string, std::string, std::less<>> types;
};

struct PostgresStatement {
  std::string sql;
  std::vector<std::optional<std::string>> params;  // nullopt: NULL
};

// The names of the action's columns (and version column) the table lacks.
std::vector<const PostgresColumn*> MissingColumns(const PostgresAction& action,
                                                  const TableInfo& table);

// InvalidArgument when the table does not exist or lacks a column (check MissingColumns first).
Result<PostgresStatement> BuildStatement(const PostgresAction& action, const TableInfo& table,
                                         const ProcessedOffsetsSql& offsets,
                                         const std::string& consumer_group);

// ALTER TABLE t ADD COLUMN IF NOT EXISTS "c" <type> (nullable) for auto_evolve.
std::string AddColumnSql(const std::string& table, const PostgresColumn& column);

// The catalog query TableInfo is read with. Param $1: the table as `[schema.]name` text (quoted
// with QuoteQualified); rows: (column name, type). No row: the table does not exist (or has no
// columns).
std::string TableInfoSql();

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_STATEMENTS_H_
