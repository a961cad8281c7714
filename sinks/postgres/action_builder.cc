#include "sinks/postgres/action_builder.h"

#include <algorithm>
#include <string>
#include <utility>

#include "processor/route/field_ref.h"
#include "sinks/postgres/processed_offsets.h"
#include "sinks/postgres/settings.h"
#include "sinks/postgres/values.h"

namespace fanout {
namespace {

constexpr std::string_view kOptions[] = {"table",    "mode",      "version_column",
                                         "truncate", "op_column", "position_column"};

bool IsRowOp(Op op) {
  return op == Op::kCreate || op == Op::kUpdate || op == Op::kDelete || op == Op::kRead;
}

std::string PositionText(const ChangeEvent& event, const KafkaRecordView& record) {
  if (event.position.kind != SourcePosition::Kind::kNone) return event.position.ToString();
  return "kafka:" + std::string(record.topic) + ":" + std::to_string(record.partition) + ":" +
         std::to_string(record.offset);
}

// PostgreSQL text and names cannot hold U+0000 (libpq would cut the value there, silently):
// such a change is a bad record, never stored cut.
Status CheckNoNul(const PostgresAction& action) {
  constexpr char kNul = '\0';
  auto bad = [](std::string_view what) {
    return InvalidArgument(std::string(what) +
                           " holds a NUL character (U+0000), which PostgreSQL cannot store");
  };
  if (action.table.find(kNul) != std::string::npos) return bad("the target table's name");
  auto check = [&](const PostgresColumn& column) -> Status {
    if (column.name.find(kNul) != std::string::npos) return bad("a column name");
    if (column.text && column.text->find(kNul) != std::string::npos) {
      return bad("column '" + column.name + "'");
    }
    return Status();
  };
  for (const PostgresColumn& column : action.key) FANOUT_RETURN_IF_ERROR(check(column));
  for (const PostgresColumn& column : action.columns) FANOUT_RETURN_IF_ERROR(check(column));
  if (action.version) FANOUT_RETURN_IF_ERROR(check(*action.version));
  return Status();
}

PostgresColumn MakeColumn(std::string_view name, const Value& value) {
  return PostgresColumn{std::string(name), RenderValue(value), value.kind()};
}

}  // namespace

Result<std::unique_ptr<PostgresActionBuilder>> PostgresActionBuilder::Create(
    const RouteBinding& binding, std::shared_ptr<const ProcessedOffsetsView> offsets) {
  if (binding.route == nullptr) return InvalidArgument("no route to bind");
  const CompiledRoute& route = *binding.route;
  if (const std::vector<std::string_view> names = route.TemplateNames(); !names.empty()) {
    return InvalidArgument(std::string(names.front()) + ": not an option of a postgres route");
  }
  std::unique_ptr<PostgresActionBuilder> builder(new PostgresActionBuilder());
  builder->route_ = &route;
  builder->offsets_ = std::move(offsets);
  bool saw_op_column = false;
  bool saw_position_column = false;
  if (binding.options != nullptr) {
    for (const auto& [key, value] : *binding.options) {
      if (std::find(std::begin(kOptions), std::end(kOptions), key) == std::end(kOptions)) {
        return InvalidArgument(key + ": not an option of a postgres route");
      }
      if (key == "table") {
        if (value.empty() || value.front() == '.' || value.back() == '.' ||
            std::count(value.begin(), value.end(), '.') > 1) {
          return InvalidArgument("table: must be [schema.]name");
        }
        builder->table_ = QuoteQualified(value);
      } else if (key == "mode") {
        if (value != "upsert" && value != "append") {
          return InvalidArgument("mode: must be upsert or append");
        }
        builder->append_ = value == "append";
      } else if (key == "version_column") {
        if (value.empty()) return InvalidArgument("version_column: must name a column");
        builder->version_column_ = value;
      } else if (key == "truncate") {
        if (value != "true" && value != "false") {
          return InvalidArgument("truncate: must be true or false");
        }
        builder->truncate_ = value == "true";
      } else if (key == "op_column") {
        if (value.empty()) return InvalidArgument("op_column: must name a column");
        builder->op_column_ = value;
        saw_op_column = true;
      } else if (key == "position_column") {
        if (value.empty()) return InvalidArgument("position_column: must name a column");
        builder->position_column_ = value;
        saw_position_column = true;
      }
    }
  }
  if (builder->append_) {
    if (!builder->version_column_.empty()) {
      return InvalidArgument("version_column: applies to mode upsert only");
    }
    if (builder->truncate_) return InvalidArgument("truncate: applies to mode upsert only");
    if (builder->op_column_ == builder->position_column_) {
      return InvalidArgument("op_column and position_column must differ");
    }
  } else if (saw_op_column || saw_position_column) {
    return InvalidArgument(std::string(saw_op_column ? "op_column" : "position_column") +
                           ": applies to mode append only");
  }
  return builder;
}

Result<std::unique_ptr<SinkAction>> PostgresActionBuilder::Build(
    const ChangeEvent& event, const KafkaRecordView& record) const {
  FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<PostgresAction> action, BuildAction(event, record));
  if (action != nullptr) FANOUT_RETURN_IF_ERROR(CheckNoNul(*action));
  return std::unique_ptr<SinkAction>(std::move(action));
}

Result<std::unique_ptr<PostgresAction>> PostgresActionBuilder::BuildAction(
    const ChangeEvent& event, const KafkaRecordView& record) const {
  if (event.kind != RecordKind::kChange) return std::unique_ptr<PostgresAction>();
  const bool row_op = IsRowOp(event.op);
  if (!row_op && !(event.op == Op::kTruncate && (truncate_ || append_))) {
    return std::unique_ptr<PostgresAction>();  // messages; truncates unless opted in
  }
  if (offsets_ != nullptr &&
      offsets_->Applied(route_->name(), record.topic, record.partition, record.offset)) {
    return std::unique_ptr<PostgresAction>();  // the database has it (processed offsets)
  }
  auto action = std::make_unique<PostgresAction>();
  action->route = route_->name();
  action->topic = std::string(record.topic);
  action->partition = record.partition;
  action->offset = record.offset;
  if (!table_.empty()) {
    action->table = table_;
  } else {
    if (event.table.empty()) return InvalidArgument("the event names no source table");
    action->table_from_record = true;
    // Quoted apart: a source schema may hold a dot ("my.schema"), which must not split it.
    action->table = event.schema.empty()
                        ? QuoteIdentifier(event.table)
                        : QuoteIdentifier(event.schema) + "." + QuoteIdentifier(event.table);
  }

  if (append_) {
    action->kind = PostgresActionKind::kAppend;
    if (row_op) {
      const std::optional<Row>& image = event.op == Op::kDelete ? event.before : event.after;
      if (image) {
        FANOUT_RETURN_IF_ERROR(AddImage(event, *image, event.op != Op::kDelete, action.get()));
      } else {
        FANOUT_RETURN_IF_ERROR(AddKey(event, action.get()));
        action->columns = action->key;
        action->key.clear();
      }
    }
    for (const PostgresColumn& column : action->columns) {
      if (column.name == op_column_ || column.name == position_column_) {
        return InvalidArgument("column '" + column.name +
                               "' collides with op_column/position_column; rename it");
      }
    }
    action->columns.push_back(MakeColumn(op_column_, Value::String(OpName(event.op))));
    action->columns.push_back(
        MakeColumn(position_column_, Value::String(PositionText(event, record))));
    return action;
  }

  if (event.op == Op::kTruncate) {
    action->kind = PostgresActionKind::kTruncate;
    return action;
  }
  FANOUT_RETURN_IF_ERROR(AddKey(event, action.get()));
  if (!version_column_.empty()) {
    FANOUT_ASSIGN_OR_RETURN(std::string version, PostgresVersion(event, record));
    action->version = PostgresColumn{version_column_, std::move(version), Value::Kind::kDecimal};
  }
  if (event.op == Op::kDelete) {
    action->kind = PostgresActionKind::kDelete;
    return action;
  }
  action->kind = PostgresActionKind::kUpsert;
  if (!event.after) return InvalidArgument("the event has no after image to write");
  FANOUT_RETURN_IF_ERROR(AddImage(event, *event.after, /*after=*/true, action.get()));
  for (const PostgresColumn& key : action->key) {
    const bool present = std::any_of(action->columns.begin(), action->columns.end(),
                                     [&](const PostgresColumn& c) { return c.name == key.name; });
    if (!present) action->columns.push_back(key);
  }
  if (action->version) {
    for (const PostgresColumn& column : action->columns) {
      if (column.name == action->version->name) {
        return InvalidArgument("column '" + column.name +
                               "' is also the version_column; rename or exclude it");
      }
    }
  }
  return action;
}

Status PostgresActionBuilder::AddKey(const ChangeEvent& event, PostgresAction* action) const {
  if (event.key.empty()) {
    return InvalidArgument(
        "the event has no key (a table without a primary key?); a postgres upsert or delete "
        "needs one");
  }
  const Projection& projection = route_->projection();
  for (const Column& column : event.key) {
    const std::optional<std::string_view> name = projection.OutputName(column.name);
    if (!name) {
      return InvalidArgument("key column '" + column.name +
                             "' is excluded by the route's projection; the target needs it");
    }
    if (column.value.is_null() || column.value.kind() == Value::Kind::kUnchanged) {
      return InvalidArgument("key column '" + column.name + "' is null");
    }
    action->key.push_back(MakeColumn(*name, column.value));
  }
  return Status();
}

Status PostgresActionBuilder::AddImage(const ChangeEvent& event, const Row& image, bool after,
                                       PostgresAction* action) const {
  const Projection& projection = route_->projection();
  for (const Column& column : image) {
    const std::optional<std::string_view> name = projection.OutputName(column.name);
    if (!name) continue;
    const Value* value = after ? ResolveAfter(event, column.name) : &column.value;
    // Unchanged TOAST the before image cannot fill: leave the stored value alone.
    if (value == nullptr || value->kind() == Value::Kind::kUnchanged) continue;
    action->columns.push_back(MakeColumn(*name, *value));
  }
  return Status();
}

}  // namespace fanout
