// The SQL of the PostgreSQL sink's writes against a target table as it is now (its columns and
// their types, read from the catalog by the sink). Pure: no I/O.
//
// A batch's actions are written in runs: consecutive actions of one shape (kind, table, column
// names, version column) with distinct keys share ONE statement whose parameters are arrays, one
// per column, unnested by the server -- one parse, plan and execution for the whole run instead
// of one per row (RunStatement). A run never holds a key twice, so a row is never affected twice
// by one statement and the batch's order per key is kept. A single action (a run of one that
// must stand alone, see batch.h, or a column of an array or composite type, which unnest would
// flatten or expand) is written with scalar parameters (SingleStatement):
//
//   upsert   INSERT INTO t AS fanout_t (cols) SELECT * FROM unnest($1::type[], ...)
//              | VALUES ($1::type, ...)
//            ON CONFLICT (key) DO UPDATE SET col = EXCLUDED.col, ...
//            [WHERE fanout_t.v IS NULL OR fanout_t.v < EXCLUDED.v]        (version guard)
//   delete   DELETE FROM t AS fanout_t USING unnest($1::type[], ...) AS fanout_d(c1, ...)
//            WHERE fanout_t.key = fanout_d.c1 ... [AND (fanout_t.v IS NULL OR fanout_t.v < ..)]
//              | DELETE FROM t AS fanout_t WHERE key = $1::type ... [AND (...)]
//   truncate DELETE FROM t   (a DELETE, not TRUNCATE: transactional like the rest of the batch)
//   append   INSERT INTO t (cols) ... ON CONFLICT DO NOTHING
//
// No statement carries the processed-offsets guard: the batch's transaction claims its offsets
// once, up front (ProcessedOffsetsSql::Claim), and fails as a whole when they were applied.
// Every value is text cast to the column's own type, so the server parses numeric, timestamptz,
// date, jsonb, uuid and bytea.
#ifndef FANOUT_SINKS_POSTGRES_STATEMENTS_H_
#define FANOUT_SINKS_POSTGRES_STATEMENTS_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "processor/core/status.h"
#include "sinks/postgres/action.h"
#include "sinks/postgres/column_text.h"
#include "sinks/postgres/values.h"

namespace fanout {

// A target table's columns: name → type to cast parameters to, schema-qualified and without its
// modifier (pg_catalog."numeric" for numeric(10,2); see TableInfoSql), and the SQL already built
// for it. Strand only (it lives in the sink's state).
struct TableInfo {
  bool exists = false;
  std::map<std::string, std::string, std::less<>> types;
  // Columns whose modifier rounds what is stored ("timestamp(0) without time zone",
  // "numeric(12,2)"): name → the type with it, for comparing a sent value with a stored one.
  std::map<std::string, std::string, std::less<>> rounded;
  // Columns a run cannot carry (TableInfoSql: arrays, composites, box): written row by row.
  std::set<std::string, std::less<>> unrunnable;
  // Columns whose values need more than their text form (column_text.h PostgresColumnForm): arrays,
  // bit strings, interval, hstore, point. Absent: kAsIs.
  std::map<std::string, PostgresColumnType, std::less<>> forms;
  // Statement text by ShapeOf() + form: built once per shape while the columns stay the same
  // (a TableInfo is replaced when they change).
  std::unordered_map<std::string, std::string> sql;
};

struct PostgresStatement {
  std::string sql;
  std::vector<std::optional<std::string>> params;  // nullopt: NULL
};

// The names of the action's columns (and version column) the table lacks.
std::vector<const PostgresColumn*> MissingColumns(const PostgresAction& action,
                                                  const TableInfo& table);

// Actions with equal shapes can share a RunStatement: kind, table, column, key and version
// column names, in order.
std::string ShapeOf(const PostgresAction& action);
// ShapeOf(a) == ShapeOf(b), without building either.
bool SameShape(const PostgresAction& a, const PostgresAction& b);
// The identity of the row the action writes (table and key values); empty for kinds without one
// (append, truncate), which never conflict within a run.
std::string RowOf(const PostgresAction& action);
// About how many bytes the action adds to a run's parameters (its values as array elements).
std::size_t RunParamBytes(const PostgresAction& action);
// False when a column the action writes is in table.unrunnable (an array, composite or box type).
bool CanRun(const PostgresAction& action, const TableInfo& table);

// One statement for `run`: actions of one shape, distinct rows, CanRun. InvalidArgument when the
// table does not exist or lacks a column (check MissingColumns first).
Result<PostgresStatement> RunStatement(std::span<const PostgresAction* const> run,
                                       TableInfo& table);
// One statement for one action, with scalar parameters.
Result<PostgresStatement> SingleStatement(const PostgresAction& action, TableInfo& table);

// ALTER TABLE t ADD COLUMN IF NOT EXISTS "c" <type> (nullable) for auto_evolve; `table` as SQL
// (PostgresAction::table).
std::string AddColumnSql(const std::string& table, const PostgresColumn& column);

// The catalog query TableInfo is read with. Param $1: the table as `[schema.]name` text (quoted
// as SQL, PostgresAction::table); rows: (column name, type, runnable: t/f, type with a rounding
// modifier or NULL, base type name, array element type name or NULL, modifier). No row: the table
// does not exist (or has no columns).
std::string TableInfoSql();

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_STATEMENTS_H_
