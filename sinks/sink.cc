#include "sinks/sink.h"

#include "config/spec.h"

namespace fanout {

std::string_view SinkSpec::Setting(std::string_view key, std::string_view fallback) const {
  for (const auto& [k, v] : settings) {
    if (k == key) return v;
  }
  return fallback;
}

Status SinkRegistry::Register(const config::SinkTypeSpec& spec, SinkFactory factory) {
  for (const Entry& entry : entries_) {
    if (entry.spec->type == spec.type) {
      return Status(StatusCode::kAlreadyExists,
                    "sink type registered twice: " + std::string(spec.type));
    }
  }
  entries_.push_back(Entry{&spec, std::move(factory)});
  return Status();
}

bool SinkRegistry::Has(std::string_view type) const {
  for (const Entry& entry : entries_) {
    if (entry.spec->type == type) return static_cast<bool>(entry.factory);
  }
  return false;
}

Result<std::unique_ptr<Sink>> SinkRegistry::Create(const SinkSpec& spec,
                                                   SinkRuntime& runtime) const {
  for (const Entry& entry : entries_) {
    if (entry.spec->type == spec.type && entry.factory) return entry.factory(spec, runtime);
  }
  return NotFound("no sink type '" + spec.type + "' is built into this fanout");
}

std::vector<const config::SinkTypeSpec*> SinkRegistry::types() const {
  std::vector<const config::SinkTypeSpec*> out;
  for (const Entry& entry : entries_) out.push_back(entry.spec);
  return out;
}

}  // namespace fanout
