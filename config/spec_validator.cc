#include "config/spec_validator.h"

#include <algorithm>
#include <set>

#include "config/duration.h"
#include "config/expression_checks.h"
#include "config/suggest.h"

namespace fanout::config {
namespace {

std::string Index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const FieldSpec* FindChild(const FieldSpec& spec, std::string_view name) {
  for (const FieldSpec& child : spec.children) {
    if (child.name == name) return &child;
  }
  return nullptr;
}

// "unknown key 'x'; did you mean 'y'?" when a known key is close, else the known keys.
std::string UnknownKey(const FieldSpec& spec, const std::string& key) {
  std::vector<std::string_view> known;
  for (const FieldSpec& child : spec.children) known.push_back(child.name);
  if (std::optional<std::string_view> nearest = NearestName(key, known)) {
    return "unknown key '" + key + "'; did you mean '" + std::string(*nearest) + "'?";
  }
  std::string names;
  for (std::string_view name : known) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return "unknown key '" + key + "' (known keys: " + names + ")";
}

std::string Join(const std::vector<std::string_view>& items, std::string_view separator) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// The scalar text of a node that is known to be a scalar; "" otherwise.
std::string ScalarOf(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : ""; }

}  // namespace

SpecValidator::SpecValidator(YamlReader& reader, const SinkTypes& sink_types)
    : reader_(reader), types_(sink_types), spec_(ConfigSpec(sink_types)) {
  sinks_spec_ = FindChild(spec_, "sinks");
  routes_spec_ = FindChild(spec_, "routes");
  for (const SinkTypeSpec* type : types_) {
    FieldSpec& sink = sink_objects_[std::string(type->type)];
    sink.type = FieldType::kObject;
    if (const FieldSpec* type_key = FindChild(*sinks_spec_, "type")) {
      sink.children.push_back(*type_key);
    }
    sink.children.insert(sink.children.end(), type->settings.begin(), type->settings.end());
    // A route to this type: the common keys, and this type's own in place of the merged ones.
    FieldSpec& route = route_objects_[std::string(type->type)];
    route.type = FieldType::kObject;
    for (const FieldSpec& key : routes_spec_->children) {
      const auto own = std::find_if(type->route_keys.begin(), type->route_keys.end(),
                                    [&key](const FieldSpec& k) { return k.name == key.name; });
      if (own != type->route_keys.end()) {
        route.children.push_back(*own);
      } else if (key.sink_types.empty() || std::find(key.sink_types.begin(), key.sink_types.end(),
                                                     type->type) != key.sink_types.end()) {
        route.children.push_back(key);
      }
    }
  }
}

const SinkTypeSpec* SpecValidator::FindSinkType(std::string_view type) const {
  for (const SinkTypeSpec* spec : types_) {
    if (spec->type == type) return spec;
  }
  return nullptr;
}

const FieldSpec* SpecValidator::SpecForSinkType(const FieldSpec& spec,
                                                std::string_view sink_type) const {
  const auto* objects = &spec == sinks_spec_    ? &sink_objects_
                        : &spec == routes_spec_ ? &route_objects_
                                                : nullptr;
  if (objects == nullptr) return nullptr;
  auto it = objects->find(sink_type);
  return it == objects->end() ? nullptr : &it->second;
}

void SpecValidator::ValidateFile(const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull()) {
    reader_.Error(root, "", "the file is empty; expected a mapping with 'version: 1'");
    return;
  }
  // Sink types first: routes and sinks use them to decide which keys apply.
  if (root.IsMap() && root["sinks"] && root["sinks"].IsMap()) {
    for (auto it = root["sinks"].begin(); it != root["sinks"].end(); ++it) {
      if (it->second.IsMap() && it->second["type"]) {
        sink_types_[it->first.Scalar()] = ScalarOf(it->second["type"]);
      }
    }
  }
  Validate(spec_, root, "", "");
  if (root.IsMap() && root["routes"] && root["routes"].IsSequence()) {
    ValidateRouteCrossReferences(root["routes"]);
  }
}

void SpecValidator::Validate(const FieldSpec& spec, const YAML::Node& node, const std::string& path,
                             std::string_view sink_type) {
  if (!spec.sink_types.empty() && !sink_type.empty() &&
      std::find(spec.sink_types.begin(), spec.sink_types.end(), sink_type) ==
          spec.sink_types.end()) {
    reader_.Error(node, path,
                  "'" + std::string(spec.name) + "' applies to " + Join(spec.sink_types, ", ") +
                      " sinks, not to a " + std::string(sink_type) + " sink");
    return;
  }
  switch (spec.type) {
    case FieldType::kObject:
      ValidateObject(spec, node, path);
      return;
    case FieldType::kObjectList:
      if (!node.IsSequence()) {
        reader_.Error(node, path, "expected a list of mappings");
        return;
      }
      for (std::size_t i = 0; i < node.size(); ++i) ValidateObject(spec, node[i], Index(path, i));
      return;
    case FieldType::kObjectMap:
      if (!node.IsMap()) {
        reader_.Error(node, path, "expected a mapping of names to mappings");
        return;
      }
      for (auto it = node.begin(); it != node.end(); ++it) {
        ValidateObject(spec, it->second, YamlReader::Join(path, it->first.Scalar()));
      }
      return;
    case FieldType::kPropertyMap:
      if (!node.IsMap()) {
        reader_.Error(node, path, "expected a mapping of names to values");
        return;
      }
      for (auto it = node.begin(); it != node.end(); ++it) {
        (void)reader_.String(it->second, YamlReader::Join(path, it->first.Scalar()));
      }
      return;
    case FieldType::kStringList:
    case FieldType::kSubscriptionList:
    case FieldType::kTablePatternList:
    case FieldType::kPatternList:
    case FieldType::kTemplateList:
    case FieldType::kOpList: {
      FieldSpec item = spec;
      switch (spec.type) {
        case FieldType::kPatternList:
          item.type = FieldType::kPattern;
          break;
        case FieldType::kTemplateList:
          item.type = FieldType::kTemplate;
          break;
        case FieldType::kOpList:
          break;  // ValidateScalar checks one op
        case FieldType::kSubscriptionList:
          break;  // ValidateScalar checks one topic
        case FieldType::kTablePatternList:
          break;  // ValidateScalar checks one table pattern
        default:
          item.type = FieldType::kString;
          break;
      }
      ValidateOneOrList(item, node, path);
      return;
    }
    default:
      ValidateScalar(spec, node, path);
      return;
  }
}

void SpecValidator::ValidateObject(const FieldSpec& spec, const YAML::Node& node,
                                   const std::string& path) {
  if (!node.IsMap()) {
    reader_.Error(node, path, "expected a mapping");
    return;
  }
  // The sink type that decides which keys apply: a sink's own `type`, or a route's target.
  std::string sink_type;
  if (const YAML::Node type = node["type"]; type && FindChild(spec, "to") == nullptr) {
    sink_type = ScalarOf(type);
  } else if (const YAML::Node to = node["to"]) {
    auto it = sink_types_.find(ScalarOf(to));
    if (it != sink_types_.end()) sink_type = it->second;
  }
  // A sink or route of a known type: that type's own keys, ranges and defaults.
  const FieldSpec* own = SpecForSinkType(spec, sink_type);
  const FieldSpec& keys = own != nullptr ? *own : spec;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string child_path = YamlReader::Join(path, key);
    const FieldSpec* child = FindChild(keys, key);
    if (child == nullptr && own != nullptr) {
      // Another sink type's key: Validate says which types it applies to.
      if (const FieldSpec* other = FindChild(spec, key)) {
        Validate(*other, it->second, child_path, sink_type);
        continue;
      }
    }
    if (child == nullptr) {
      reader_.Error(it->first, child_path, UnknownKey(keys, key));
      continue;
    }
    Validate(*child, it->second, child_path, sink_type);
  }
  for (const FieldSpec& child : keys.children) {
    if (child.required && !node[std::string(child.name)]) {
      reader_.Error(node, YamlReader::Join(path, child.name),
                    "required key '" + std::string(child.name) +
                        "' is missing: " + std::string(child.description));
    }
  }
}

void SpecValidator::ValidateOneOrList(const FieldSpec& item, const YAML::Node& node,
                                      const std::string& path) {
  if (node.IsScalar()) {
    ValidateScalar(item, node, path);
    return;
  }
  if (!node.IsSequence()) {
    reader_.Error(node, path, "expected a " + std::string(TypeName(item.type)) + " or a list");
    return;
  }
  if (node.size() == 0) reader_.Error(node, path, "the list is empty");
  for (std::size_t i = 0; i < node.size(); ++i) ValidateScalar(item, node[i], Index(path, i));
}

void SpecValidator::ValidateScalar(const FieldSpec& spec, const YAML::Node& node,
                                   const std::string& path) {
  std::optional<std::string> text = reader_.String(node, path);
  if (!text) return;
  Status status;
  std::optional<std::size_t> offset;
  switch (spec.type) {
    case FieldType::kInteger:
    case FieldType::kDuration:
    case FieldType::kEnum:
    case FieldType::kBoolean:
    case FieldType::kString:
      // The one scalar parser; sinks read their settings with it too.
      status = ParseScalar(spec, *text).status();
      break;
    case FieldType::kDurationRange: {
      std::size_t dots = text->find("..");
      if (dots == std::string::npos) {
        status = InvalidArgument("expected initial..maximum, such as 100ms..30s");
        break;
      }
      Result<std::chrono::milliseconds> low = ParseDuration(text->substr(0, dots));
      Result<std::chrono::milliseconds> high = ParseDuration(text->substr(dots + 2));
      if (!low.ok()) {
        status = low.status();
      } else if (!high.ok()) {
        status = high.status();
      } else if (low.value() > high.value() || low.value().count() == 0) {
        status = InvalidArgument("the initial backoff must be above 0 and at most the maximum");
      }
      break;
    }
    case FieldType::kPattern:
      status = CheckPattern(*text);
      break;
    case FieldType::kSubscriptionList:
      status = CheckSubscription(*text);
      break;
    case FieldType::kTablePatternList:
      status = CheckTablePattern(*text);
      break;
    case FieldType::kTemplate:
      status = CheckTemplate(*text, &offset);
      break;
    case FieldType::kPredicate:
      status = CheckPredicate(*text, &offset);
      break;
    case FieldType::kOpList:
      status = CheckOp(*text);
      break;
    default:
      break;
  }
  if (status.ok()) return;
  if (offset && *text == node.Scalar()) {  // no ${ENV} shifted the text
    reader_.ErrorAt(node, *offset, path, std::string(status.message()));
  } else {
    reader_.Error(node, path, std::string(status.message()));
  }
}

void SpecValidator::ValidateRouteCrossReferences(const YAML::Node& routes) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const YAML::Node route = routes[i];
    if (!route.IsMap()) continue;
    const std::string path = Index("routes", i);
    if (const YAML::Node name = route["name"]; name && name.IsScalar()) {
      if (!names.insert(name.Scalar()).second) {
        reader_.Error(name, path + ".name", "route name '" + name.Scalar() + "' is used twice");
      }
    }
    // dedup.store names the redis or postgres sink whose server holds the idempotency keys.
    if (const YAML::Node store = YamlReader::Child(route["dedup"], "store");
        store && store.IsScalar()) {
      auto holder = sink_types_.find(store.Scalar());
      if (holder == sink_types_.end()) {
        reader_.Error(store, path + ".dedup.store", "no sink named '" + store.Scalar() + "'");
      } else if (holder->second != "redis" && holder->second != "postgres") {
        reader_.Error(store, path + ".dedup.store",
                      "sink '" + store.Scalar() + "' has type " + holder->second +
                          "; idempotency keys live in a redis or postgres sink");
      }
    }
    const YAML::Node to = route["to"];
    if (!to || !to.IsScalar()) continue;
    auto sink = sink_types_.find(to.Scalar());
    if (sink == sink_types_.end()) {
      std::string known;
      for (const auto& [sink_name, type] : sink_types_)
        known += (known.empty() ? "" : ", ") + sink_name;
      reader_.Error(to, path + ".to",
                    "no sink named '" + to.Scalar() +
                        "' (sinks: " + (known.empty() ? "none defined" : known) + ")");
      continue;
    }
    const std::string& type = sink->second;
    const SinkTypeSpec* type_spec = FindSinkType(type);
    if (type_spec == nullptr) continue;
    for (const std::vector<std::string_view>& any_of : type_spec->route_needs_one_of) {
      if (std::any_of(any_of.begin(), any_of.end(),
                      [&route](std::string_view key) { return route[std::string(key)]; })) {
        continue;
      }
      std::string keys;
      for (std::string_view key : any_of) keys += (keys.empty() ? "" : " or ") + std::string(key);
      reader_.Error(route, path, "a route to a " + type + " sink needs " + keys);
    }
  }
}

}  // namespace fanout::config
