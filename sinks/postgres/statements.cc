#include "sinks/postgres/statements.h"

#include <algorithm>
#include <utility>

#include "sinks/postgres/values.h"

namespace fanout {
namespace {

class Builder {
 public:
  Builder(const TableInfo& table, PostgresStatement* out) : table_(table), out_(out) {}

  // "$n::type" for a new parameter holding `column`'s value.
  Result<std::string> Param(const PostgresColumn& column) {
    auto it = table_.types.find(column.name);
    if (it == table_.types.end()) {
      return InvalidArgument("the target table has no column '" + column.name + "'");
    }
    out_->params.push_back(column.text);
    return "$" + std::to_string(out_->params.size()) + "::" + it->second;
  }

  int next() const { return static_cast<int>(out_->params.size()) + 1; }

  void GuardParams(const PostgresAction& action, const std::string& group) {
    out_->params.emplace_back(group);
    out_->params.emplace_back(action.route);
    out_->params.emplace_back(action.topic);
    out_->params.emplace_back(std::to_string(action.partition));
    out_->params.emplace_back(std::to_string(action.offset));
  }

 private:
  const TableInfo& table_;
  PostgresStatement* out_;
};

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

Result<PostgresStatement> BuildStatement(const PostgresAction& action, const TableInfo& table,
                                         const ProcessedOffsetsSql& offsets,
                                         const std::string& consumer_group) {
  if (!table.exists) {
    return InvalidArgument("the target table " + action.table +
                           " does not exist (create it; see sinks/postgres/README.md)");
  }
  PostgresStatement out;
  Builder b(table, &out);
  const std::string target = QuoteQualified(action.table);
  std::string& sql = out.sql;
  switch (action.kind) {
    case PostgresActionKind::kUpsert:
    case PostgresActionKind::kAppend: {
      std::vector<const PostgresColumn*> columns;
      for (const PostgresColumn& c : action.columns) columns.push_back(&c);
      if (action.version) columns.push_back(&*action.version);
      sql = "INSERT INTO " + target + " AS fanout_t (";
      std::string values;
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) {
          sql += ", ";
          values += ", ";
        }
        sql += QuoteIdentifier(columns[i]->name);
        FANOUT_ASSIGN_OR_RETURN(std::string param, b.Param(*columns[i]));
        values += param;
      }
      sql += ") SELECT " + values + " WHERE " + offsets.Guard(b.next());
      b.GuardParams(action, consumer_group);
      if (action.kind == PostgresActionKind::kAppend) {
        sql += " ON CONFLICT DO NOTHING";
        break;
      }
      sql += " ON CONFLICT (";
      for (std::size_t i = 0; i < action.key.size(); ++i) {
        if (i > 0) sql += ", ";
        sql += QuoteIdentifier(action.key[i].name);
      }
      sql += ")";
      std::string set;
      for (const PostgresColumn* c : columns) {
        const bool is_key = std::any_of(action.key.begin(), action.key.end(),
                                        [&](const PostgresColumn& k) { return k.name == c->name; });
        if (is_key) continue;
        if (!set.empty()) set += ", ";
        const std::string name = QuoteIdentifier(c->name);
        set += name + " = EXCLUDED." + name;
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
      sql = "DELETE FROM " + target + " AS fanout_t WHERE ";
      for (const PostgresColumn& k : action.key) {
        FANOUT_ASSIGN_OR_RETURN(std::string param, b.Param(k));
        sql += "fanout_t." + QuoteIdentifier(k.name) + " = " + param + " AND ";
      }
      if (action.version) {
        const std::string v = "fanout_t." + QuoteIdentifier(action.version->name);
        FANOUT_ASSIGN_OR_RETURN(std::string param, b.Param(*action.version));
        sql += "(" + v + " IS NULL OR " + v + " < " + param + ") AND ";
      }
      sql += offsets.Guard(b.next());
      b.GuardParams(action, consumer_group);
      break;
    }
    case PostgresActionKind::kTruncate:
      sql = "DELETE FROM " + target + " WHERE " + offsets.Guard(1);
      b.GuardParams(action, consumer_group);
      break;
  }
  return out;
}

std::string AddColumnSql(const std::string& table, const PostgresColumn& column) {
  return "ALTER TABLE " + QuoteQualified(table) + " ADD COLUMN IF NOT EXISTS " +
         QuoteIdentifier(column.name) + " " + std::string(SqlTypeFor(column.kind));
}

std::string TableInfoSql() {
  return "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
         "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
         "ORDER BY a.attnum";
}

}  // namespace fanout
