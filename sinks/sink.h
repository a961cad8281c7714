// How sinks are configured and created: a sink's settings from the YAML (SinkSpec) and the
// registry of sink types (SinkRegistry). The contract between the delivery core and a sink --
// actions, outcomes, Sink itself -- is processor/sink/sink.h, below this layer, included here for
// the sinks' convenience.
#ifndef FANOUT_SINKS_SINK_H_
#define FANOUT_SINKS_SINK_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processor/core/status.h"
#include "processor/sink/sink.h"

namespace fanout {
namespace config {
struct SinkTypeSpec;  // config/spec.h: a sink type's settings and route keys
}  // namespace config

class SinkRuntime;  // sinks/runtime.h: the I/O threads sinks run on

// A sink's settings from the YAML (`url`, `timeout`, `headers`, ...), values after ${ENV}
// substitution: they may hold secrets and are never logged.
struct SinkSpec {
  std::string name;
  std::string type;
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<std::pair<std::string, std::string>> headers;
  // The Kafka consumer group fanout runs in (kafka.group.id), for sinks that key state by it.
  std::string consumer_group{};

  // The value of `key`, or `fallback` when it is not set.
  std::string_view Setting(std::string_view key, std::string_view fallback = {}) const;
};

// Creates a sink of one type. InvalidArgument names the setting at fault.
using SinkFactory =
    std::function<Result<std::unique_ptr<Sink>>(const SinkSpec& spec, SinkRuntime& runtime)>;

// Sink types by name, each with its configuration spec (what the config loader validates and
// docs/CONFIG.md lists) and its factory. Types are registered explicitly (RegisterBuiltinSinks in
// sinks/builtin.h), never by static initialisers.
// Thread-safety: fill it at startup, then only read it.
class SinkRegistry {
 public:
  // `spec` (which outlives the registry) names the type. A null `factory` registers a type the
  // configuration knows whose sink is not behind this interface (kafka). AlreadyExists when the
  // type is registered twice.
  Status Register(const config::SinkTypeSpec& spec, SinkFactory factory);
  // Whether `type` has a factory (an asynchronous sink).
  bool Has(std::string_view type) const;
  // NotFound for a type without a factory.
  Result<std::unique_ptr<Sink>> Create(const SinkSpec& spec, SinkRuntime& runtime) const;
  // Every registered type's spec, in registration order.
  std::vector<const config::SinkTypeSpec*> types() const;

 private:
  struct Entry {
    const config::SinkTypeSpec* spec;
    SinkFactory factory;
  };
  std::vector<Entry> entries_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_SINK_H_
