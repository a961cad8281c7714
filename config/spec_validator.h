// SpecValidator: checks a YAML document against a FieldSpec tree, recording every problem with
// its path and file:line:col through a YamlReader. Internal to config/.
#ifndef FANOUT_CONFIG_SPEC_VALIDATOR_H_
#define FANOUT_CONFIG_SPEC_VALIDATOR_H_

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>

#include "config/spec.h"
#include "config/yaml_reader.h"

namespace fanout::config {

class SpecValidator {
 public:
  explicit SpecValidator(YamlReader& reader) : reader_(reader) {}

  // Validates the whole file against ConfigSpec(), including the cross-references: a route's
  // `to` names a sink, keys that only apply to some sink types are used with those, route
  // names are unique, and each sink type's required route keys are present.
  void ValidateFile(const YAML::Node& root);

 private:
  // `sink_type`: the type of the sink the enclosing object belongs to or routes to; "" = none.
  void Validate(const FieldSpec& spec, const YAML::Node& node, const std::string& path,
                std::string_view sink_type);
  void ValidateObject(const FieldSpec& spec, const YAML::Node& node, const std::string& path);
  void ValidateScalar(const FieldSpec& spec, const YAML::Node& node, const std::string& path);
  // A scalar or a list of scalars, each checked by ValidateScalar with `item`.
  void ValidateOneOrList(const FieldSpec& item, const YAML::Node& node, const std::string& path);
  void ValidateRouteCrossReferences(const YAML::Node& routes);

  YamlReader& reader_;
  std::map<std::string, std::string> sink_types_;  // sink name → type, from `sinks:`
};

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_SPEC_VALIDATOR_H_
