#include "sinks/kafka/record_builder.h"

#include "processor/core/json_writer.h"

namespace fanout {
namespace {

Status RenderFirst(const CompiledRoute& route, std::string_view name, const ChangeEvent& event,
                   std::string* out) {
  std::span<const Template> templates = route.Templates(name);
  if (templates.empty()) return FailedPrecondition("route has no '" + std::string(name) + "'");
  out->clear();
  return templates.front().Render(event, out);
}

class KafkaRouteOutput final : public KafkaOutputBuilder {
 public:
  KafkaRouteOutput(const CompiledRoute& route, KafkaValueMode mode) : route_(route), mode_(mode) {}
  Status Build(const ChangeEvent& event, const KafkaRecordView& source,
               OutgoingRecord* out) const override {
    return BuildKafkaRecord(route_, mode_, event, source, out);
  }

 private:
  const CompiledRoute& route_;
  KafkaValueMode mode_;
};

}  // namespace

std::unique_ptr<KafkaOutputBuilder> MakeKafkaOutputBuilder(
    const CompiledRoute& route, const std::vector<std::pair<std::string, std::string>>& options) {
  KafkaValueMode mode = KafkaValueMode::kAfter;
  for (const auto& [key, value] : options) {
    if (key == "value" && value == "envelope") mode = KafkaValueMode::kEnvelope;
  }
  return std::make_unique<KafkaRouteOutput>(route, mode);
}

Status BuildKafkaRecord(const CompiledRoute& route, KafkaValueMode mode, const ChangeEvent& event,
                        const KafkaRecordView& source, OutgoingRecord* out) {
  out->origin = RecordOrigin{source.topic, source.partition, source.offset};
  FANOUT_RETURN_IF_ERROR(RenderFirst(route, "topic", event, &out->topic));
  if (!route.Templates("key").empty()) {
    std::string key;
    FANOUT_RETURN_IF_ERROR(RenderFirst(route, "key", event, &key));
    out->key = std::move(key);
  } else if (source.key) {
    out->key = std::string(*source.key);
  } else {
    out->key.reset();
  }
  if (mode == KafkaValueMode::kEnvelope) {
    out->value =
        source.value ? std::optional<std::string>(std::string(*source.value)) : std::nullopt;
  } else if (event.after) {
    std::string value = "{";
    bool first = true;
    route.projection().ForEach(*event.after, [&](std::string_view name, const Value& v) {
      if (!first) value.push_back(',');
      first = false;
      AppendJsonString(value, name);
      value.push_back(':');
      AppendJsonValue(value, v);
    });
    value.push_back('}');
    out->value = std::move(value);
  } else {
    out->value.reset();  // a delete: a tombstone for the row's key
  }
  out->headers.clear();
  out->headers.emplace_back("fanout.route", route.name());
  out->headers.emplace_back("fanout.op", std::string(OpName(event.op)));
  out->headers.emplace_back("fanout.table", event.QualifiedTable());
  out->headers.emplace_back("fanout.position", event.position.ToString());
  out->headers.emplace_back("fanout.source.topic", std::string(source.topic));
  out->headers.emplace_back("fanout.source.partition", std::to_string(source.partition));
  out->headers.emplace_back("fanout.source.offset", std::to_string(source.offset));
  return Status();
}

}  // namespace fanout
