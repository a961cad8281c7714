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
  // `sink_types` (and the specs they point to) outlive the validator.
  SpecValidator(YamlReader& reader, const SinkTypes& sink_types);

  // Validates the whole file against ConfigSpec(sink_types), including the cross-references: a
  // route's `to` names a sink, keys that only apply to some sink types are used with those,
  // route names are unique, and each sink type's required route keys are present. A sink, and a
  // route to a sink, of a known type is validated against that type's own keys (its ranges and
  // defaults); an unknown key close to a known one is answered with "did you mean".
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
  // The keys of a sink (`spec` is the `sinks` spec) or a route (the `routes` spec) of
  // `sink_type`; nullptr for any other spec or an unknown type.
  const FieldSpec* SpecForSinkType(const FieldSpec& spec, std::string_view sink_type) const;
  const SinkTypeSpec* FindSinkType(std::string_view type) const;

  YamlReader& reader_;
  const SinkTypes& types_;
  FieldSpec spec_;                                               // ConfigSpec(types_)
  const FieldSpec* sinks_spec_ = nullptr;                        // spec_'s `sinks`
  const FieldSpec* routes_spec_ = nullptr;                       // spec_'s `routes`
  std::map<std::string, FieldSpec, std::less<>> sink_objects_;   // type → keys of such a sink
  std::map<std::string, FieldSpec, std::less<>> route_objects_;  // type → keys of its routes
  std::map<std::string, std::string> sink_types_;  // sink name → type, from `sinks:`
};

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_SPEC_VALIDATOR_H_
