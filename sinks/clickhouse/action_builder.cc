#include "sinks/clickhouse/action_builder.h"

#include <charconv>
#include <utility>

#include "processor/core/json_syntax.h"
#include "processor/core/json_writer.h"
#include "processor/route/field_ref.h"
#include "sinks/clickhouse/settings.h"
#include "sinks/source_version.h"

namespace fanout {
namespace {

// The after-image value of `column` with the TOAST rule (unchanged → the before image's value),
// or InvalidArgument when the source did not send it at all.
Result<const Value*> AfterValue(const ChangeEvent& event, const Column& column) {
  if (column.value.kind() != Value::Kind::kUnchanged) return &column.value;
  const Value* value = ResolveAfter(event, column.name);
  if (value == nullptr || value->kind() == Value::Kind::kUnchanged) {
    return InvalidArgument("column '" + column.name +
                           "' is an unchanged TOAST value the source did not send; a row without "
                           "it would reset the column (set REPLICA IDENTITY FULL on the table, "
                           "or exclude the column)");
  }
  return value;
}

// Bytes the row will take, about: one allocation for the row instead of a few.
std::size_t RowSizeHint(const ChangeEvent& event) {
  const Row* image = event.after ? &*event.after : event.before ? &*event.before : &event.key;
  std::size_t size = 48;  // braces, _version, _deleted
  for (const Column& column : *image) size += column.name.size() + column.value.text().size() + 24;
  return size;
}

void AppendUnsigned(std::uint64_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  (void)ec;  // 24 characters always hold a uint64
  out->append(digits, end);
}

}  // namespace

Result<std::unique_ptr<ClickHouseActionBuilder>> ClickHouseActionBuilder::Create(
    const RouteBinding& binding, std::string database) {
  if (binding.route == nullptr) return InvalidArgument("no route to bind");
  const CompiledRoute& route = *binding.route;
  if (const std::vector<std::string_view> names = route.TemplateNames(); !names.empty()) {
    return InvalidArgument(std::string(names.front()) + ": not an option of a clickhouse route");
  }
  std::unique_ptr<ClickHouseActionBuilder> builder(new ClickHouseActionBuilder());
  builder->route_ = &route;
  builder->database_ = QuoteClickHouseIdentifier(database);
  if (binding.options != nullptr) {
    for (const auto& [key, value] : *binding.options) {
      if (key == "table") {
        if (value.empty()) return InvalidArgument("table: must not be empty");
        builder->fixed_table_ = std::make_shared<const std::string>(
            builder->database_ + "." + QuoteClickHouseIdentifier(value));
      } else if (key == "decimals") {
        if (value == "number") {
          builder->decimals_as_numbers_ = true;
        } else if (value == "string") {
          builder->decimals_as_numbers_ = false;
        } else {
          return InvalidArgument("decimals: must be number or string");
        }
      } else {
        return InvalidArgument(key + ": not an option of a clickhouse route");
      }
    }
  }
  return builder;
}

Result<std::unique_ptr<SinkAction>> ClickHouseActionBuilder::Build(
    const ChangeEvent& event, const KafkaRecordView& record) const {
  if (event.kind != RecordKind::kChange) return std::unique_ptr<SinkAction>();
  const bool is_delete = event.op == Op::kDelete;
  if (!is_delete && event.op != Op::kCreate && event.op != Op::kUpdate && event.op != Op::kRead) {
    return std::unique_ptr<SinkAction>();  // truncate, message: no row
  }
  FANOUT_ASSIGN_OR_RETURN(const std::int64_t version, SourceVersion(event, record));
  std::shared_ptr<const std::string> table = fixed_table_;
  if (table == nullptr) {
    if (event.table.empty()) {
      return InvalidArgument("the event names no source table; set the route's `table`");
    }
    table = std::make_shared<const std::string>(database_ + "." +
                                                QuoteClickHouseIdentifier(event.table));
  }
  std::string row;
  row.reserve(RowSizeHint(event));
  row.push_back('{');
  bool first = true;
  if (!is_delete) {
    if (!event.after) return InvalidArgument("the event has no after image");
    for (const Column& column : *event.after) {
      const std::optional<std::string_view> name = route_->projection().OutputName(column.name);
      if (!name) continue;
      FANOUT_ASSIGN_OR_RETURN(const Value* value, AfterValue(event, column));
      FANOUT_RETURN_IF_ERROR(AppendColumn(*name, *value, &first, &row));
    }
  } else {
    // The before image (all columns with REPLICA IDENTITY FULL, else the key), then the key
    // columns it lacks: the row must carry the sorting key to replace the live row.
    const Row* image = event.before ? &*event.before : &event.key;
    if (image->empty() && event.key.empty()) {
      return InvalidArgument("a delete without key and before image: no row to mark deleted");
    }
    for (const Column& column : *image) {
      if (column.value.kind() == Value::Kind::kUnchanged) continue;
      const std::optional<std::string_view> name = route_->projection().OutputName(column.name);
      if (!name) continue;
      FANOUT_RETURN_IF_ERROR(AppendColumn(*name, column.value, &first, &row));
    }
    if (image != &event.key) {
      for (const Column& column : event.key) {
        if (FindColumn(*image, column.name) != nullptr) continue;
        const std::optional<std::string_view> name = route_->projection().OutputName(column.name);
        if (!name) continue;
        FANOUT_RETURN_IF_ERROR(AppendColumn(*name, column.value, &first, &row));
      }
    }
  }
  if (!first) row.push_back(',');
  row.append("\"_version\":");
  AppendUnsigned(static_cast<std::uint64_t>(version), &row);
  row.append(is_delete ? ",\"_deleted\":1}\n" : ",\"_deleted\":0}\n");
  return std::unique_ptr<SinkAction>(
      std::make_unique<ClickHouseAction>(std::move(table), std::move(row)));
}

Status ClickHouseActionBuilder::AppendColumn(std::string_view name, const Value& value, bool* first,
                                             std::string* out) const {
  if (name == kVersionColumn || name == kDeletedColumn) {
    return InvalidArgument("column '" + std::string(name) +
                           "' is one the sink writes itself; rename or exclude it");
  }
  if (!*first) out->push_back(',');
  *first = false;
  AppendJsonString(*out, name);
  out->push_back(':');
  AppendValue(value, out);
  return Status();
}

void ClickHouseActionBuilder::AppendValue(const Value& value, std::string* out) const {
  switch (value.kind()) {
    case Value::Kind::kDecimal:
      // ClickHouse's Decimal columns refuse quoted numbers (18.16) and parse the digits exactly.
      if (decimals_as_numbers_ && IsJsonNumber(value.text())) {
        out->append(value.text());
      } else {
        AppendJsonString(*out, value.text());
      }
      return;
    case Value::Kind::kJson:
      // A json/jsonb column lands in a String column: its text, as a JSON string.
      AppendJsonString(*out, value.text());
      return;
    default:
      AppendJsonValue(*out, value);
      return;
  }
}

}  // namespace fanout
