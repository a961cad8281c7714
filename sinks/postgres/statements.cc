#include "sinks/postgres/statements.h"

#include <algorithm>
#include <utility>

#include "sinks/postgres/column_text.h"
#include "sinks/postgres/values.h"

namespace fanout {
namespace {

enum class Form : std::uint8_t { kRun, kSingle };

bool IsKey(const PostgresAction& action, const std::string& name) {
  return std::any_of(action.key.begin(), action.key.end(),
                     [&](const PostgresColumn& k) { return k.name == name; });
}

// Calls f(column) for each column whose value is a parameter, in parameter order: upsert and
// append write their columns then the version; delete matches its key then the version.
template <typename F>
void ForEachParamColumn(const PostgresAction& action, F&& f) {
  switch (action.kind) {
    case PostgresActionKind::kUpsert:
    case PostgresActionKind::kAppend:
      for (const PostgresColumn& c : action.columns) f(c);
      if (action.version) f(*action.version);
      break;
    case PostgresActionKind::kDelete:
      for (const PostgresColumn& k : action.key) f(k);
      if (action.version) f(*action.version);
      break;
    case PostgresActionKind::kTruncate:
      break;
  }
}

// "$n::type" (single) or "$n::type[]" (run) for parameter n holding `column`.
Result<std::string> Param(const TableInfo& table, const PostgresColumn& column, int n, Form form) {
  auto it = table.types.find(column.name);
  if (it == table.types.end()) {
    return InvalidArgument("the target table has no column '" + column.name + "'");
  }
  return "$" + std::to_string(n) + "::" + it->second + (form == Form::kRun ? "[]" : "");
}

Result<std::string> BuildSql(const PostgresAction& action, const TableInfo& table, Form form) {
  const std::string& target = action.table;
  std::vector<const PostgresColumn*> params;
  ForEachParamColumn(action, [&](const PostgresColumn& c) { params.push_back(&c); });
  std::vector<std::string> casts;
  for (std::size_t i = 0; i < params.size(); ++i) {
    FANOUT_ASSIGN_OR_RETURN(std::string cast,
                            Param(table, *params[i], static_cast<int>(i) + 1, form));
    casts.push_back(std::move(cast));
  }
  auto joined = [&casts] {
    std::string out;
    for (const std::string& c : casts) out += (out.empty() ? "" : ", ") + c;
    return out;
  };
  std::string sql;
  switch (action.kind) {
    case PostgresActionKind::kUpsert:
    case PostgresActionKind::kAppend: {
      sql = "INSERT INTO " + target + " AS fanout_t (";
      for (std::size_t i = 0; i < params.size(); ++i) {
        sql += (i > 0 ? ", " : "") + QuoteIdentifier(params[i]->name);
      }
      sql += form == Form::kRun ? ") SELECT * FROM unnest(" + joined() + ")"
                                : ") VALUES (" + joined() + ")";
      if (action.kind == PostgresActionKind::kAppend) {
        sql += " ON CONFLICT DO NOTHING";
        break;
      }
      sql += " ON CONFLICT (";
      for (std::size_t i = 0; i < action.key.size(); ++i) {
        sql += (i > 0 ? ", " : "") + QuoteIdentifier(action.key[i].name);
      }
      sql += ")";
      std::string set;
      for (const PostgresColumn* c : params) {
        if (IsKey(action, c->name)) continue;
        const std::string name = QuoteIdentifier(c->name);
        set += (set.empty() ? "" : ", ") + name + " = EXCLUDED." + name;
      }
      if (set.empty()) {
        sql += " DO NOTHING";
        break;
      }
      sql += " DO UPDATE SET " + set;
      if (action.version) {
        const std::string v = QuoteIdentifier(action.version->name);
        sql += " WHERE fanout_t." + v + " IS NULL OR fanout_t." + v + " < EXCLUDED." + v;
      }
      break;
    }
    case PostgresActionKind::kDelete: {
      sql = "DELETE FROM " + target + " AS fanout_t ";
      // The value each key column and the version are compared with.
      std::vector<std::string> values;
      if (form == Form::kRun) {
        sql += "USING unnest(" + joined() + ") AS fanout_d(";
        for (std::size_t i = 0; i < params.size(); ++i) {
          const std::string name = "c" + std::to_string(i + 1);
          sql += (i > 0 ? ", " : "") + name;
          values.push_back("fanout_d." + name);
        }
        sql += ") ";
      } else {
        values = casts;
      }
      // A stored value was rounded by its column (timestamp(0), numeric(12,2)): compare it with
      // the sent value rounded alike, or the row is not found.
      auto rounded = [&table](const std::string& value, const std::string& column) {
        auto it = table.rounded.find(column);
        return it == table.rounded.end() ? value : "(" + value + ")::" + it->second;
      };
      sql += "WHERE ";
      for (std::size_t i = 0; i < action.key.size(); ++i) {
        sql += (i > 0 ? " AND " : "") + ("fanout_t." + QuoteIdentifier(action.key[i].name)) +
               " = " + rounded(values[i], action.key[i].name);
      }
      if (action.version) {
        const std::string v = "fanout_t." + QuoteIdentifier(action.version->name);
        sql += " AND (" + v + " IS NULL OR " + v + " < " +
               rounded(values.back(), action.version->name) + ")";
      }
      break;
    }
    case PostgresActionKind::kTruncate:
      sql = "DELETE FROM " + target;
      break;
  }
  return sql;
}

Result<const std::string*> CachedSql(const PostgresAction& action, TableInfo& table, Form form) {
  if (!table.exists) {
    return InvalidArgument("the target table " + action.table +
                           " does not exist (create it; see sinks/postgres/README.md)");
  }
  std::string shape = ShapeOf(action);
  shape += form == Form::kRun ? "|run" : "|single";
  if (auto it = table.sql.find(shape); it != table.sql.end()) return &it->second;
  FANOUT_ASSIGN_OR_RETURN(std::string sql, BuildSql(action, table, form));
  return &table.sql.emplace(std::move(shape), std::move(sql)).first->second;
}

// How the value of `column` must be adapted to its target column (TableInfo::forms), or null
// when its text goes as it is.
const PostgresColumnType* FormOf(const TableInfo& table, const PostgresColumn& column) {
  if (!column.text || table.forms.empty()) return nullptr;
  auto it = table.forms.find(column.name);
  return it == table.forms.end() ? nullptr : &it->second;
}

Result<std::optional<std::string>> ColumnText(const PostgresColumn& column,
                                              const PostgresColumnType& type) {
  Result<std::string> text = ToColumnText(*column.text, column.kind, type);
  if (!text.ok()) {
    return InvalidArgument("column '" + column.name + "': " + std::string(text.status().message()));
  }
  return std::optional<std::string>(std::move(*text));
}

// Separators that cannot occur in identifiers' text as Debezium sends them.
constexpr char kSep = '\x1f';
constexpr char kEnd = '\x1e';

}  // namespace

std::vector<const PostgresColumn*> MissingColumns(const PostgresAction& action,
                                                  const TableInfo& table) {
  std::vector<const PostgresColumn*> missing;
  auto check = [&](const PostgresColumn& column) {
    if (table.types.find(column.name) != table.types.end()) return;
    for (const PostgresColumn* seen : missing) {
      if (seen->name == column.name) return;
    }
    missing.push_back(&column);
  };
  for (const PostgresColumn& column : action.key) check(column);
  for (const PostgresColumn& column : action.columns) check(column);
  if (action.version) check(*action.version);
  return missing;
}

std::string ShapeOf(const PostgresAction& action) {
  std::string shape(1, static_cast<char>('0' + static_cast<int>(action.kind)));
  shape += action.table;
  shape += kEnd;
  for (const PostgresColumn& k : action.key) shape += k.name + kSep;
  shape += kEnd;
  for (const PostgresColumn& c : action.columns) shape += c.name + kSep;
  shape += kEnd;
  if (action.version) shape += "v:" + action.version->name;
  return shape;
}

bool SameShape(const PostgresAction& a, const PostgresAction& b) {
  auto same_names = [](const std::vector<PostgresColumn>& x, const std::vector<PostgresColumn>& y) {
    return std::equal(
        x.begin(), x.end(), y.begin(), y.end(),
        [](const PostgresColumn& l, const PostgresColumn& r) { return l.name == r.name; });
  };
  return a.kind == b.kind && a.table == b.table && a.version.has_value() == b.version.has_value() &&
         (!a.version || a.version->name == b.version->name) && same_names(a.key, b.key) &&
         same_names(a.columns, b.columns);
}

std::string RowOf(const PostgresAction& action) {
  if (action.kind != PostgresActionKind::kUpsert && action.kind != PostgresActionKind::kDelete) {
    return {};
  }
  std::string row = action.table;
  row += kEnd;
  for (const PostgresColumn& k : action.key) {
    if (k.text) {
      row += 'v';
      row += *k.text;
    } else {
      row += 'n';
    }
    row += kSep;
  }
  return row;
}

std::size_t RunParamBytes(const PostgresAction& action) {
  std::size_t bytes = 0;
  ForEachParamColumn(action, [&](const PostgresColumn& c) {
    bytes += c.text ? c.text->size() + 3 : 5;  // "...", or NULL, and the comma
  });
  return bytes;
}

bool CanRun(const PostgresAction& action, const TableInfo& table) {
  bool ok = true;
  ForEachParamColumn(action, [&](const PostgresColumn& c) {
    if (table.unrunnable.contains(c.name)) ok = false;
  });
  return ok;
}

Result<PostgresStatement> RunStatement(std::span<const PostgresAction* const> run,
                                       TableInfo& table) {
  if (run.empty()) return InvalidArgument("an empty run has no statement");
  FANOUT_ASSIGN_OR_RETURN(const std::string* sql, CachedSql(*run.front(), table, Form::kRun));
  PostgresStatement out;
  out.sql = *sql;
  std::vector<std::string> arrays;
  Status status;
  for (const PostgresAction* action : run) {
    std::size_t i = 0;
    ForEachParamColumn(*action, [&](const PostgresColumn& c) {
      if (i == arrays.size()) {
        arrays.emplace_back().reserve(run.size() * (c.text ? c.text->size() + 4 : 5) + 2);
        arrays.back().push_back('{');
      } else {
        arrays[i].push_back(',');
      }
      if (const PostgresColumnType* type = FormOf(table, c); type != nullptr && status.ok()) {
        Result<std::optional<std::string>> text = ColumnText(c, *type);
        if (text.ok()) {
          AppendArrayElement(*text, &arrays[i]);
        } else {
          status = text.status();
        }
      } else {
        AppendArrayElement(c.text, &arrays[i]);
      }
      ++i;
    });
  }
  FANOUT_RETURN_IF_ERROR(status);
  out.params.reserve(arrays.size());
  for (std::string& array : arrays) {
    array.push_back('}');
    out.params.emplace_back(std::move(array));
  }
  return out;
}

Result<PostgresStatement> SingleStatement(const PostgresAction& action, TableInfo& table) {
  FANOUT_ASSIGN_OR_RETURN(const std::string* sql, CachedSql(action, table, Form::kSingle));
  PostgresStatement out;
  out.sql = *sql;
  Status status;
  ForEachParamColumn(action, [&](const PostgresColumn& c) {
    if (const PostgresColumnType* type = FormOf(table, c); type != nullptr && status.ok()) {
      Result<std::optional<std::string>> text = ColumnText(c, *type);
      if (text.ok()) {
        out.params.push_back(std::move(*text));
      } else {
        status = text.status();
      }
    } else {
      out.params.push_back(c.text);
    }
  });
  FANOUT_RETURN_IF_ERROR(status);
  return out;
}

std::string AddColumnSql(const std::string& table, const PostgresColumn& column) {
  return "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + QuoteIdentifier(column.name) +
         " " + std::string(SqlTypeFor(column.kind));
}

std::string TableInfoSql() {
  // Unnest flattens an array and expands a composite into its fields, and a type whose array
  // delimiter is not a comma (box) needs another literal: such columns are not runnable.
  //
  // Parameters are cast to the column's type without its modifier, as a schema-qualified,
  // quoted name (pg_catalog."varchar", not format_type's "character varying(3)"): an explicit
  // cast to varchar(3), char(3) or bit(3) silently cuts or pads the value to fit, where the
  // assignment to the column rejects it (SQLSTATE 22001/22026, a bad record). The bare names
  // would not do either: `character` and `bit` alone mean length 1.
  //
  // Numeric, date/time and interval modifiers round rather than reject: the 4th column is the
  // type with its modifier for those, which a DELETE compares the key and version with.
  //
  // Columns 5-7 say how a value is written (column_text.h ColumnTypeOf): the base type's name (a
  // domain's base type: Debezium sends a domain's value as its base type's), an array's element
  // type name, and the modifier (a bit string's length).
  return "SELECT a.attname, quote_ident(n.nspname) || '.' || quote_ident(t.typname), "
         "t.typtype <> 'c' AND t.typcategory <> 'A' AND t.typdelim = ',', "
         "CASE WHEN a.atttypmod >= 0 AND t.typcategory IN ('N', 'D', 'T') "
         "THEN format_type(a.atttypid, a.atttypmod) END, "
         "b.typname, e.typname, "
         "CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END "
         "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
         "JOIN pg_namespace n ON n.oid = t.typnamespace "
         "JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
         "LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A' "
         "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
         "ORDER BY a.attnum";
}

}  // namespace fanout
