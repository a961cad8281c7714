#include "sinks/sink.h"

namespace fanout {

std::string_view SinkSpec::Setting(std::string_view key, std::string_view fallback) const {
  for (const auto& [k, v] : settings) {
    if (k == key) return v;
  }
  return fallback;
}

Status SinkRegistry::Register(std::string type, SinkFactory factory) {
  if (Has(type)) return Status(StatusCode::kAlreadyExists, "sink type registered twice: " + type);
  factories_.emplace_back(std::move(type), std::move(factory));
  return Status();
}

bool SinkRegistry::Has(std::string_view type) const {
  for (const auto& entry : factories_) {
    if (entry.first == type) return true;
  }
  return false;
}

Result<std::unique_ptr<Sink>> SinkRegistry::Create(const SinkSpec& spec,
                                                   SinkRuntime& runtime) const {
  for (const auto& [type, factory] : factories_) {
    if (type == spec.type) return factory(spec, runtime);
  }
  return NotFound("no sink type '" + spec.type + "' is built into this fanout");
}

}  // namespace fanout
