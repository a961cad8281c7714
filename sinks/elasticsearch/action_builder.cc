#include "sinks/elasticsearch/action_builder.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "processor/core/json_syntax.h"
#include "processor/core/json_writer.h"
#include "processor/route/field_ref.h"
#include "sinks/elasticsearch/version.h"

namespace fanout {
namespace {

constexpr std::string_view kTemplateNames[] = {"index", "id"};

// The after-image value of `column` with the TOAST rule (unchanged → the before image's value),
// or InvalidArgument when the source did not send it at all.
Result<const Value*> AfterValue(const ChangeEvent& event, const Column& column) {
  if (column.value.kind() != Value::Kind::kUnchanged) return &column.value;
  const Value* value = ResolveAfter(event, column.name);
  if (value == nullptr || value->kind() == Value::Kind::kUnchanged) {
    return InvalidArgument("column '" + column.name +
                           "' is an unchanged TOAST value the source did not send; indexing it "
                           "would corrupt the document (set REPLICA IDENTITY FULL on the table, "
                           "or exclude the column)");
  }
  return value;
}

}  // namespace

void AppendBulkActionLine(BulkItemKind kind, std::string_view index, std::string_view id,
                          std::int64_t version, std::string* out) {
  out->append(kind == BulkItemKind::kDelete ? "{\"delete\":{\"_index\":"
                                            : "{\"index\":{\"_index\":");
  AppendJsonString(*out, index);
  out->append(",\"_id\":");
  AppendJsonString(*out, id);
  out->append(",\"version\":");
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), version);
  (void)ec;  // 24 characters always hold an int64
  out->append(digits, end);
  out->append(",\"version_type\":\"external_gte\"}}\n");
}

Result<std::unique_ptr<ElasticsearchActionBuilder>> ElasticsearchActionBuilder::Create(
    const RouteBinding& binding) {
  if (binding.route == nullptr) return InvalidArgument("no route to bind");
  const CompiledRoute& route = *binding.route;
  for (std::string_view name : route.TemplateNames()) {
    if (std::find(std::begin(kTemplateNames), std::end(kTemplateNames), name) ==
        std::end(kTemplateNames)) {
      return InvalidArgument(std::string(name) + ": not an option of an elasticsearch route");
    }
  }
  std::unique_ptr<ElasticsearchActionBuilder> builder(new ElasticsearchActionBuilder());
  builder->route_ = &route;
  const std::span<const Template> index = route.Templates("index");
  const std::span<const Template> id = route.Templates("id");
  if (index.empty()) return InvalidArgument("index: required for an elasticsearch route");
  if (index.size() > 1) return InvalidArgument("index: one index template, not a list");
  if (id.size() > 1) return InvalidArgument("id: one id template, not a list");
  builder->index_ = &index.front();
  if (!id.empty()) builder->id_ = &id.front();
  if (binding.options != nullptr) {
    for (const auto& [key, value] : *binding.options) {
      if (key == "delete_mode") {
        if (value == "hard") {
          builder->delete_mode_ = DeleteMode::kHard;
        } else if (value == "soft") {
          builder->delete_mode_ = DeleteMode::kSoft;
        } else {
          return InvalidArgument("delete_mode: must be hard or soft");
        }
      } else if (key == "decimals") {
        if (value == "string") {
          builder->decimals_ = DecimalFormat::kString;
        } else if (value == "number") {
          builder->decimals_ = DecimalFormat::kNumber;
        } else {
          return InvalidArgument("decimals: must be string or number");
        }
      } else {
        return InvalidArgument(key + ": not an option of an elasticsearch route");
      }
    }
  }
  return builder;
}

Result<std::unique_ptr<SinkAction>> ElasticsearchActionBuilder::Build(
    const ChangeEvent& event, const KafkaRecordView& record) const {
  if (event.kind != RecordKind::kChange) return std::unique_ptr<SinkAction>();
  const bool is_delete = event.op == Op::kDelete;
  if (!is_delete && event.op != Op::kCreate && event.op != Op::kUpdate && event.op != Op::kRead) {
    return std::unique_ptr<SinkAction>();  // truncate, message: no row to index
  }
  FANOUT_ASSIGN_OR_RETURN(const std::int64_t version, ElasticsearchVersion(event, record));
  auto action = std::make_unique<ElasticsearchAction>();
  std::string index;
  std::string id;
  if (is_delete) {
    // Bare columns read the before image, then the key image.
    FANOUT_RETURN_IF_ERROR(RenderLocation(event, Template::Image::kDefault, &index, &id));
    FANOUT_RETURN_IF_ERROR(AppendDelete(event, index, id, version, action.get()));
    return std::unique_ptr<SinkAction>(std::move(action));
  }
  FANOUT_RETURN_IF_ERROR(RenderLocation(event, Template::Image::kAfter, &index, &id));
  const bool templated_by_columns =
      index_->has_bare_columns() || (id_ != nullptr && id_->has_bare_columns());
  if (event.op == Op::kUpdate && event.before && templated_by_columns) {
    // The document's location is built from a column that changed: it no longer lives there.
    std::string old_index;
    std::string old_id;
    if (RenderLocation(event, Template::Image::kBefore, &old_index, &old_id).ok() &&
        (old_index != index || old_id != id)) {
      FANOUT_RETURN_IF_ERROR(AppendDelete(event, old_index, old_id, version, action.get())
                                 .WithContext("the document's old location"));
    }
  }
  FANOUT_RETURN_IF_ERROR(AppendIndex(event, index, id, version, action.get()));
  return std::unique_ptr<SinkAction>(std::move(action));
}

Status ElasticsearchActionBuilder::RenderLocation(const ChangeEvent& event, Template::Image image,
                                                  std::string* index, std::string* id) const {
  index->clear();
  FANOUT_RETURN_IF_ERROR(index_->Render(event, image, index).WithContext("index"));
  if (index->empty()) return InvalidArgument("index: renders as an empty name");
  id->clear();
  FANOUT_RETURN_IF_ERROR(RenderId(event, image, id).WithContext("id"));
  if (id->empty()) return InvalidArgument("id: renders as an empty _id");
  if (id->size() > kMaxDocumentIdBytes) {
    return InvalidArgument("id: " + std::to_string(id->size()) +
                           " bytes; Elasticsearch allows at most 512");
  }
  return Status();
}

Status ElasticsearchActionBuilder::RenderId(const ChangeEvent& event, Template::Image image,
                                            std::string* id) const {
  if (id_ != nullptr) return id_->Render(event, image, id);
  if (event.key.empty()) {
    return InvalidArgument(
        "the record has no key columns (a table without a primary key?); set the route's `id` "
        "template");
  }
  for (const Column& column : event.key) {
    if (column.value.is_null() || column.value.kind() == Value::Kind::kUnchanged) {
      return InvalidArgument("key column '" + column.name + "' is null");
    }
    if (!id->empty()) id->push_back(':');
    AppendValueText(column.value, id);
  }
  return Status();
}

void ElasticsearchActionBuilder::AppendValue(const Value& value, std::string* out) const {
  if (value.kind() == Value::Kind::kDecimal && decimals_ == DecimalFormat::kNumber &&
      IsJsonNumber(value.text())) {
    out->append(value.text());
    return;
  }
  if (value.kind() == Value::Kind::kJson &&
      value.text().find_first_of("\r\n") != std::string_view::npos) {
    // A raw line break would end the NDJSON line inside the document and break every later item
    // of the request. Outside strings it is whitespace, and JSON strings cannot hold one raw.
    std::string text(value.text());
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    out->append(text);
    return;
  }
  AppendJsonValue(*out, value);
}

Status ElasticsearchActionBuilder::AppendDelete(const ChangeEvent& event, std::string_view index,
                                                std::string_view id, std::int64_t version,
                                                ElasticsearchAction* action) const {
  std::string* out = action->mutable_ndjson();
  if (delete_mode_ == DeleteMode::kHard) {
    AppendBulkActionLine(BulkItemKind::kDelete, index, id, version, out);
    action->AddItem(BulkItemKind::kDelete);
    return Status();
  }
  // A tombstone document: it keeps the version (so a replayed older change cannot bring the row
  // back, however late), and the key columns, named as the live document names them.
  std::string document = "{\"_deleted\":true";
  for (const Column& column : event.key) {
    const std::optional<std::string_view> name = route_->projection().OutputName(column.name);
    if (!name) continue;
    if (*name == kDeletedField) {
      return InvalidArgument("key column '" + column.name +
                             "' is written as _deleted, the field soft deletes set; rename it");
    }
    document.push_back(',');
    AppendJsonString(document, *name);
    document.push_back(':');
    AppendValue(column.value, &document);
  }
  document.append("}\n");
  AppendBulkActionLine(BulkItemKind::kIndex, index, id, version, out);
  out->append(document);
  action->AddItem(BulkItemKind::kIndex);
  return Status();
}

Status ElasticsearchActionBuilder::AppendIndex(const ChangeEvent& event, std::string_view index,
                                               std::string_view id, std::int64_t version,
                                               ElasticsearchAction* action) const {
  if (!event.after) return InvalidArgument("the event has no after image to index");
  std::string* out = action->mutable_ndjson();
  const std::size_t start = out->size();
  AppendBulkActionLine(BulkItemKind::kIndex, index, id, version, out);
  out->push_back('{');
  bool first = true;
  const Projection& projection = route_->projection();
  for (const Column& column : *event.after) {
    const std::optional<std::string_view> name = projection.OutputName(column.name);
    if (!name) continue;
    Result<const Value*> value = AfterValue(event, column);
    if (!value.ok() || (delete_mode_ == DeleteMode::kSoft && *name == kDeletedField)) {
      out->resize(start);  // leave the action as it was: the event is a bad record anyway
      if (!value.ok()) return value.status();
      return InvalidArgument("column '" + column.name +
                             "' is written as _deleted, the field soft deletes set; rename or "
                             "exclude it");
    }
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(*out, *name);
    out->push_back(':');
    AppendValue(**value, out);
  }
  out->append("}\n");
  action->AddItem(BulkItemKind::kIndex);
  return Status();
}

}  // namespace fanout
