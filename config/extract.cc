#include "config/extract.h"

#include <algorithm>

#include "config/duration.h"

namespace fanout::config {
namespace {

// The route keys the sink types declare, each once, in the order of the types: templates
// (each becomes a named template of the route) and plain options (handed to the sink as they
// are).
struct SinkRouteKeys {
  std::vector<std::string_view> templates;
  std::vector<std::string_view> options;
};

SinkRouteKeys RouteKeysOf(const SinkTypes& sink_types) {
  SinkRouteKeys out;
  for (const SinkTypeSpec* type : sink_types) {
    for (const FieldSpec& key : type->route_keys) {
      const bool is_template =
          key.type == FieldType::kTemplate || key.type == FieldType::kTemplateList;
      std::vector<std::string_view>& list = is_template ? out.templates : out.options;
      if (std::find(list.begin(), list.end(), key.name) == list.end()) list.push_back(key.name);
    }
  }
  return out;
}

std::vector<std::string> Strings(YamlReader& reader, const YAML::Node& node,
                                 const std::string& path) {
  return reader.StringList(node, path).value_or(std::vector<std::string>{});
}

Settings ScalarMap(YamlReader& reader, const YAML::Node& node, const std::string& path) {
  Settings out;
  if (!node || !node.IsMap()) return out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (it->second.IsScalar()) {
      if (auto value = reader.String(it->second, YamlReader::Join(path, key))) {
        out.emplace_back(key, std::move(*value));
      }
    }
  }
  return out;
}

void ReadRetry(YamlReader& reader, const YAML::Node& node, const std::string& path,
               RetryPolicy* retry) {
  if (!node || !node.IsMap()) return;
  if (const YAML::Node attempts = node["max_attempts"]) {
    if (auto value = reader.Integer(attempts, path + ".max_attempts", 1, 1000000)) {
      retry->max_attempts = static_cast<int>(*value);
    }
  }
  if (const YAML::Node backoff = node["backoff"]) {
    if (auto text = reader.String(backoff, path + ".backoff")) {
      std::size_t dots = text->find("..");
      auto low = ParseDuration(text->substr(0, dots));
      auto high = ParseDuration(text->substr(dots + 2));
      if (low.ok() && high.ok()) {
        retry->initial_backoff = low.value();
        retry->max_backoff = high.value();
      }
    }
  }
  if (const YAML::Node elapsed = node["max_elapsed"]) {
    if (auto value = reader.Duration(elapsed, path + ".max_elapsed")) retry->max_elapsed = *value;
  }
}

void ReadRoute(YamlReader& reader, const YAML::Node& node, const std::string& path,
               const RetryPolicy& default_retry, const SinkRouteKeys& keys, RouteConfig* route) {
  RouteSpec& spec = route->spec;
  route->location = reader.Location(node);
  if (node["name"]) spec.name = reader.String(node["name"], path + ".name").value_or("");
  if (node["to"]) spec.sink = reader.String(node["to"], path + ".to").value_or("");
  if (node["from"]) spec.tables = Strings(reader, node["from"], path + ".from");
  if (node["topics"]) spec.topics = Strings(reader, node["topics"], path + ".topics");
  if (node["ops"]) {
    for (const std::string& name : Strings(reader, node["ops"], path + ".ops")) {
      if (Result<Op> op = ParseOpName(name); op.ok()) spec.ops.push_back(op.value());
    }
  }
  if (node["when"]) spec.when = reader.String(node["when"], path + ".when").value_or("");
  if (node["include"])
    spec.projection.include = Strings(reader, node["include"], path + ".include");
  if (node["exclude"])
    spec.projection.exclude = Strings(reader, node["exclude"], path + ".exclude");
  spec.projection.rename = ScalarMap(reader, node["rename"], path + ".rename");
  for (std::string_view key : keys.templates) {
    const YAML::Node value = node[std::string(key)];
    if (!value) continue;
    for (std::string& text : Strings(reader, value, YamlReader::Join(path, key))) {
      spec.templates.emplace_back(std::string(key), std::move(text));
    }
  }
  for (std::string_view key : keys.options) {
    const YAML::Node value = node[std::string(key)];
    if (!value) continue;
    if (auto text = reader.String(value, YamlReader::Join(path, key))) {
      route->options.emplace_back(std::string(key), std::move(*text));
    }
  }
  if (const YAML::Node dedup = node["dedup"]; dedup && dedup.IsMap()) {
    RouteDedupConfig& out = route->dedup.emplace();
    if (dedup["store"]) {
      out.store = reader.String(dedup["store"], path + ".dedup.store").value_or("");
    }
    if (dedup["ttl"]) {
      out.ttl = reader.Duration(dedup["ttl"], path + ".dedup.ttl").value_or(out.ttl);
    }
  }
  route->retry = default_retry;
  ReadRetry(reader, node["retry"], path + ".retry", &route->retry);
  if (const YAML::Node exhausted = node["on_exhausted"]) {
    std::string text = reader.String(exhausted, path + ".on_exhausted").value_or("");
    route->retry.on_exhausted = text == "block"  ? OnExhaustedAction::kBlock
                                : text == "fail" ? OnExhaustedAction::kFail
                                                 : OnExhaustedAction::kDeadLetter;
  }
}

}  // namespace

void ExtractConfig(YamlReader& reader, const YAML::Node& root, const SinkTypes& sink_types,
                   Config* config) {
  if (const YAML::Node version = root["version"]) {
    config->version = static_cast<int>(reader.Integer(version, "version", 1, 1).value_or(1));
  }
  if (const YAML::Node kafka = root["kafka"]; kafka && kafka.IsMap()) {
    for (auto it = kafka.begin(); it != kafka.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (auto value = reader.String(it->second, YamlReader::Join("kafka", key))) {
        config->kafka.push_back(KafkaProperty{key, std::move(*value), reader.Location(it->first)});
      }
    }
  }
  if (const YAML::Node topics = YamlReader::Child(YamlReader::Child(root, "source"), "topics")) {
    config->source.topics = Strings(reader, topics, "source.topics");
  }
  if (const YAML::Node processing = root["processing"]; processing && processing.IsMap()) {
    ProcessingConfig& p = config->processing;
    if (processing["guarantee"]) {
      p.exactly_once =
          reader.String(processing["guarantee"], "processing.guarantee").value_or("") !=
          "at_least_once";
    }
    if (processing["max_in_flight"]) {
      p.max_in_flight = static_cast<std::size_t>(
          reader.Integer(processing["max_in_flight"], "processing.max_in_flight", 1, 10000000)
              .value_or(10000));
    }
    if (processing["max_in_flight_bytes"]) {
      p.max_in_flight_bytes = static_cast<std::size_t>(
          reader
              .Integer(processing["max_in_flight_bytes"], "processing.max_in_flight_bytes", 1048576,
                       1099511627776)
              .value_or(33554432));
    }
    if (processing["max_in_flight_per_partition"]) {
      p.max_in_flight_per_partition = static_cast<std::size_t>(
          reader
              .Integer(processing["max_in_flight_per_partition"],
                       "processing.max_in_flight_per_partition", 1, 10000000)
              .value_or(5000));
    }
    if (processing["drain_timeout"]) {
      p.drain_timeout = reader.Duration(processing["drain_timeout"], "processing.drain_timeout")
                            .value_or(p.drain_timeout);
    }
    if (processing["commit_interval"]) {
      p.commit_interval =
          reader.Duration(processing["commit_interval"], "processing.commit_interval")
              .value_or(p.commit_interval);
    }
    if (processing["reemitted_changes"]) {
      p.skip_reemitted =
          reader.String(processing["reemitted_changes"], "processing.reemitted_changes")
              .value_or("") != "deliver";
    }
    if (processing["max_batch"]) {
      p.max_batch = static_cast<std::size_t>(
          reader.Integer(processing["max_batch"], "processing.max_batch", 1, 100000)
              .value_or(1000));
    }
  }
  ReadRetry(reader, root["retry"], "retry", &config->retry);
  if (const YAML::Node sinks = root["sinks"]; sinks && sinks.IsMap()) {
    for (auto it = sinks.begin(); it != sinks.end(); ++it) {
      SinkConfig sink;
      sink.name = it->first.Scalar();
      const std::string path = YamlReader::Join("sinks", sink.name);
      sink.location = reader.Location(it->first);
      if (!it->second.IsMap()) continue;
      if (it->second["type"])
        sink.type = reader.String(it->second["type"], path + ".type").value_or("");
      for (auto field = it->second.begin(); field != it->second.end(); ++field) {
        const std::string key = field->first.Scalar();
        if (key == "type" || !field->second.IsScalar()) continue;
        if (auto value = reader.String(field->second, YamlReader::Join(path, key))) {
          sink.settings.emplace_back(key, std::move(*value));
        }
      }
      sink.headers = ScalarMap(reader, it->second["headers"], path + ".headers");
      sink.properties = ScalarMap(reader, it->second["properties"], path + ".properties");
      config->sinks.push_back(std::move(sink));
    }
  }
  if (const YAML::Node routes = root["routes"]; routes && routes.IsSequence()) {
    const SinkRouteKeys keys = RouteKeysOf(sink_types);
    for (std::size_t i = 0; i < routes.size(); ++i) {
      if (!routes[i].IsMap()) continue;
      RouteConfig route;
      ReadRoute(reader, routes[i], "routes[" + std::to_string(i) + "]", config->retry, keys,
                &route);
      config->routes.push_back(std::move(route));
    }
  }
  const YAML::Node dead_letter = YamlReader::Child(root, "dead_letter");
  if (const YAML::Node topic = YamlReader::Child(dead_letter, "topic")) {
    config->dead_letter.topic = reader.String(topic, "dead_letter.topic").value_or("fanout.dlq");
  }
  if (const YAML::Node max = YamlReader::Child(dead_letter, "max_record_bytes")) {
    config->dead_letter.max_record_bytes = static_cast<std::size_t>(
        reader.Integer(max, "dead_letter.max_record_bytes", 4096, 1000000000).value_or(900000));
  }
  if (const YAML::Node logging = root["logging"]; logging && logging.IsMap()) {
    if (logging["level"]) {
      config->logging.level = reader.String(logging["level"], "logging.level").value_or("info");
    }
    if (logging["format"]) {
      config->logging.format = reader.String(logging["format"], "logging.format").value_or("auto");
    }
    if (logging["progress_interval"]) {
      config->logging.progress_interval =
          reader.Duration(logging["progress_interval"], "logging.progress_interval")
              .value_or(config->logging.progress_interval);
    }
  }
  if (const YAML::Node admin = root["admin"]; admin && admin.IsMap()) {
    if (admin["enabled"]) {
      config->admin.enabled =
          reader.String(admin["enabled"], "admin.enabled").value_or("true") == "true";
    }
    if (admin["listen"]) {
      config->admin.listen =
          reader.String(admin["listen"], "admin.listen").value_or(config->admin.listen);
    }
  }
}

}  // namespace fanout::config
