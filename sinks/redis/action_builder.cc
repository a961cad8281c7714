#include "sinks/redis/action_builder.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "processor/core/json_writer.h"
#include "processor/route/field_ref.h"
#include "sinks/redis/resp.h"

namespace fanout {
namespace {

constexpr std::string_view kTemplateNames[] = {"invalidate", "upsert", "publish"};

bool IsRowOp(Op op) {
  return op == Op::kCreate || op == Op::kUpdate || op == Op::kDelete || op == Op::kRead;
}

// The after-image column's value with the TOAST rule (unchanged → the before image's value), or
// InvalidArgument when the source did not send it at all.
Result<const Value*> AfterValue(const ChangeEvent& event, const Column& column) {
  const Value* value = ResolveAfter(event, column.name);
  if (value == nullptr || value->kind() == Value::Kind::kUnchanged) {
    return InvalidArgument("column '" + column.name +
                           "' is an unchanged TOAST value the source did not send; writing it "
                           "would corrupt the stored row (set REPLICA IDENTITY FULL on the "
                           "table, or exclude the column)");
  }
  return value;
}

}  // namespace

Result<std::unique_ptr<RedisActionBuilder>> RedisActionBuilder::Create(
    const RouteBinding& binding, std::chrono::milliseconds tombstone_ttl) {
  if (binding.route == nullptr) return InvalidArgument("no route to bind");
  const CompiledRoute& route = *binding.route;
  for (std::string_view name : route.TemplateNames()) {
    if (std::find(std::begin(kTemplateNames), std::end(kTemplateNames), name) ==
        std::end(kTemplateNames)) {
      return InvalidArgument(std::string(name) + ": not an option of a redis route");
    }
  }
  std::unique_ptr<RedisActionBuilder> builder(new RedisActionBuilder());
  builder->route_ = &route;
  builder->tombstone_ttl_ = tombstone_ttl;
  builder->invalidate_ = route.Templates("invalidate");
  std::span<const Template> upsert = route.Templates("upsert");
  std::span<const Template> publish = route.Templates("publish");
  if (upsert.size() > 1) return InvalidArgument("upsert: one key template, not a list");
  if (publish.size() > 1) return InvalidArgument("publish: one channel template, not a list");
  if (!upsert.empty()) builder->upsert_ = &upsert.front();
  if (!publish.empty()) builder->publish_ = &publish.front();
  if (builder->invalidate_.empty() && builder->upsert_ == nullptr && builder->publish_ == nullptr) {
    return InvalidArgument("a redis route needs `invalidate`, `upsert` or `publish`");
  }
  // Every key such a template renders is refused (CheckNotVersionKey): say so at startup.
  auto reserved = [](const Template& tmpl) { return tmpl.text().ends_with(kVersionKeySuffix); };
  if (builder->upsert_ != nullptr && reserved(*builder->upsert_)) {
    return InvalidArgument("upsert: keys ending with '" + std::string(kVersionKeySuffix) +
                           "' are fanout's version keys");
  }
  if (std::any_of(builder->invalidate_.begin(), builder->invalidate_.end(), reserved)) {
    return InvalidArgument("invalidate: keys ending with '" + std::string(kVersionKeySuffix) +
                           "' are fanout's version keys");
  }
  if (binding.options != nullptr) {
    for (const auto& [key, value] : *binding.options) {
      if (key != "format") return InvalidArgument(key + ": not an option of a redis route");
      if (builder->upsert_ == nullptr) return InvalidArgument("format: applies to `upsert` only");
      if (value == "json") {
        builder->format_ = RedisValueFormat::kJson;
      } else if (value == "hash") {
        builder->format_ = RedisValueFormat::kHash;
      } else {
        return InvalidArgument("format: must be json or hash");
      }
    }
  }
  return builder;
}

Result<std::unique_ptr<SinkAction>> RedisActionBuilder::Build(const ChangeEvent& event,
                                                              const KafkaRecordView& record) const {
  (void)record;  // everything comes from the decoded event
  if (event.kind != RecordKind::kChange) return std::unique_ptr<SinkAction>();
  auto action = std::make_unique<RedisAction>();
  if (!invalidate_.empty() && IsRowOp(event.op)) {
    FANOUT_RETURN_IF_ERROR(AddInvalidate(event, action.get()).WithContext("invalidate"));
  }
  if (upsert_ != nullptr && IsRowOp(event.op)) {
    FANOUT_RETURN_IF_ERROR(AddUpsert(event, action.get()).WithContext("upsert"));
  }
  if (publish_ != nullptr) {
    FANOUT_RETURN_IF_ERROR(AddPublish(event, action.get()).WithContext("publish"));
  }
  if (action->commands().empty()) return std::unique_ptr<SinkAction>();
  return std::unique_ptr<SinkAction>(std::move(action));
}

Status RedisActionBuilder::AddInvalidate(const ChangeEvent& event, RedisAction* action) const {
  // Every key that can be rendered is invalidated. A template whose columns this event lacks
  // (`{before.email}` on an insert, or on a delete under REPLICA IDENTITY DEFAULT, whose before
  // image holds the key only) has no key to invalidate and is skipped: failing the whole event
  // would leave the keys that did render stale. Only an event with no key at all is a bad record.
  //
  // This runs once per event on the consume thread, so the keys are rendered into buffers kept
  // by the thread (no allocation once warm), and a reason is built only when no key renders.
  thread_local std::string keys;  // the rendered keys, back to back
  thread_local std::vector<std::pair<std::size_t, std::size_t>> spans;  // [begin, end) in keys
  keys.clear();
  spans.clear();
  Status refused;  // a key in the guard's namespace: the whole event is a bad record
  auto render = [&event, &refused](const Template& tmpl, Template::Image image) {
    const std::size_t begin = keys.size();
    if (!tmpl.TryRender(event, image, &keys)) return;
    const std::string_view key = std::string_view(keys).substr(begin);
    if (Status reserved = CheckNotVersionKey(key); !reserved.ok()) {
      refused = reserved;
      keys.resize(begin);
      return;
    }
    for (const auto& [b, e] : spans) {
      if (std::string_view(keys).substr(b, e - b) == key) {
        keys.resize(begin);  // a duplicate: UNLINK it once
        return;
      }
    }
    spans.emplace_back(begin, keys.size());
  };
  for (const Template& tmpl : invalidate_) {
    if (!tmpl.has_bare_columns()) {
      // {before.x}, {after.x}, {key.x} and attributes read the same whichever image is asked.
      render(tmpl, Template::Image::kDefault);
    } else {
      render(tmpl, Template::Image::kBefore);
      render(tmpl, Template::Image::kAfter);
    }
  }
  // Refused even when other keys rendered: unlinking a version key would let a stale replay of
  // another row win, and a record that tries is not one to half-apply silently.
  FANOUT_RETURN_IF_ERROR(refused);
  if (spans.empty()) return InvalidArgument("no key could be rendered:" + WhyNoKey(event));
  std::string* out = action->mutable_resp();
  const std::size_t offset = out->size();
  out->reserve(offset + keys.size() + 24 * (spans.size() + 1));
  AppendRespArrayHeader(1 + spans.size(), out);
  AppendRespBulk("UNLINK", out);
  for (const auto& [b, e] : spans) AppendRespBulk(std::string_view(keys).substr(b, e - b), out);
  action->AddCommand(RedisCommandKind::kInvalidate, offset);
  return Status();
}

std::string RedisActionBuilder::WhyNoKey(const ChangeEvent& event) const {
  std::string why;
  std::string scratch;
  for (std::size_t i = 0; i < invalidate_.size(); ++i) {
    const Template& tmpl = invalidate_[i];
    why += " [" + std::to_string(i) + "] \"" + tmpl.text() + "\"";
    if (!tmpl.has_bare_columns()) {
      why += ": " + std::string(tmpl.Render(event, &scratch).message()) + ";";
      continue;
    }
    const Status before = tmpl.Render(event, Template::Image::kBefore, &scratch);
    const Status after = tmpl.Render(event, Template::Image::kAfter, &scratch);
    why += " renders against neither image: before: " + std::string(before.message()) +
           "; after: " + std::string(after.message()) + ";";
  }
  return why;
}

Status RedisActionBuilder::AddUpsert(const ChangeEvent& event, RedisAction* action) const {
  FANOUT_ASSIGN_OR_RETURN(std::string version, GuardVersion(event));
  std::string key;
  if (event.op == Op::kDelete) {
    // Bare columns read the before image, then the key image.
    FANOUT_RETURN_IF_ERROR(upsert_->Render(event, &key));
    return AddGuardedWrite(event, key, /*is_delete=*/true, version, action);
  }
  FANOUT_RETURN_IF_ERROR(upsert_->Render(event, Template::Image::kAfter, &key));
  if (event.op == Op::kUpdate && event.before && upsert_->has_bare_columns()) {
    // The key is built from a column that changed: the row no longer lives at the old key.
    std::string old_key;
    if (upsert_->Render(event, Template::Image::kBefore, &old_key).ok() && old_key != key) {
      FANOUT_RETURN_IF_ERROR(AddGuardedWrite(event, old_key, /*is_delete=*/true, version, action));
    }
  }
  return AddGuardedWrite(event, key, /*is_delete=*/false, version, action);
}

Status RedisActionBuilder::AddGuardedWrite(const ChangeEvent& event, std::string_view key,
                                           bool is_delete, const std::string& version,
                                           RedisAction* action) const {
  FANOUT_RETURN_IF_ERROR(CheckNotVersionKey(key));
  GuardedWrite write;
  write.is_delete = is_delete;
  write.format = format_;
  write.key = key;
  write.version = version;
  write.tombstone_ttl = tombstone_ttl_;
  std::string json;
  std::vector<std::pair<std::string, std::string>> fields;
  if (!is_delete) {
    if (!event.after) return InvalidArgument("the event has no after image to write");
    const Projection& projection = route_->projection();
    if (format_ == RedisValueFormat::kJson) {
      json.push_back('{');
      for (const Column& column : *event.after) {
        const std::optional<std::string_view> name = projection.OutputName(column.name);
        if (!name) continue;
        FANOUT_ASSIGN_OR_RETURN(const Value* value, AfterValue(event, column));
        if (json.size() > 1) json.push_back(',');
        AppendJsonString(json, *name);
        json.push_back(':');
        AppendJsonValue(json, *value);
      }
      json.push_back('}');
      write.json = json;
    } else {
      for (const Column& column : *event.after) {
        const std::optional<std::string_view> name = projection.OutputName(column.name);
        if (!name) continue;
        FANOUT_ASSIGN_OR_RETURN(const Value* value, AfterValue(event, column));
        if (*name == kVersionField) {
          return InvalidArgument("column '" + std::string(*name) +
                                 "' collides with the field fanout keeps the version in; "
                                 "rename or exclude it");
        }
        if (value->is_null()) continue;  // a hash has no null: an absent field reads as one
        std::string text;
        AppendValueText(*value, &text);
        fields.emplace_back(std::string(*name), std::move(text));
      }
      write.fields = fields;
    }
  }
  const std::size_t offset = action->resp().size();
  FANOUT_ASSIGN_OR_RETURN(const std::size_t tail,
                          AppendGuardedWrite(write, action->mutable_resp()));
  action->AddCommand(RedisCommandKind::kGuardedWrite, offset, tail);
  return Status();
}

Status RedisActionBuilder::AddPublish(const ChangeEvent& event, RedisAction* action) const {
  std::string channel;
  FANOUT_RETURN_IF_ERROR(publish_->Render(event, &channel));
  std::string message = "{\"table\":";
  AppendJsonString(message, event.QualifiedTable());
  message += ",\"op\":";
  AppendJsonString(message, OpName(event.op));
  message += ",\"key\":";
  AppendJsonRow(message, event.key);
  message += ",\"position\":";
  AppendJsonString(message, event.position.ToString());
  message.push_back('}');
  RespCommand command;
  command.Arg("PUBLISH").Arg(channel).Arg(message);
  const std::size_t offset = action->resp().size();
  command.AppendTo(action->mutable_resp());
  action->AddCommand(RedisCommandKind::kPublish, offset);
  return Status();
}

}  // namespace fanout
