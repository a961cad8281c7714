#include "app/sink_checks.h"

#include <memory>
#include <string>
#include <utility>

#include "app/kafka_setup.h"
#include "processor/kafka/consumer.h"
#include "processor/route/router.h"
#include "sinks/builtin.h"
#include "sinks/runtime.h"

namespace fanout {

std::vector<config::ConfigError> CheckSinksAndRoutes(const config::Config& config) {
  std::vector<config::ConfigError> errors;
  std::vector<RouteSpec> specs;
  for (const config::RouteConfig& route : config.routes) specs.push_back(route.spec);
  Result<Router> router = Router::Create(std::move(specs));
  if (!router.ok()) return errors;  // the config's own validation reported why
  SinkRegistry registry;
  if (!RegisterBuiltinSinks(registry).ok()) return errors;

  std::unique_ptr<SinkRuntime> runtime;  // made only when a sink needs one: it starts a thread
  for (const config::SinkConfig& sink : config.sinks) {
    if (sink.type == "kafka") {
      // Its producer properties, which the producer would refuse at startup.
      for (const PropertyError& error : ValidateProducerProperties(sink.properties)) {
        errors.push_back({sink.location, "sinks." + sink.name,
                          "properties." + error.property + ": " + error.message});
      }
      continue;
    }
    if (!registry.Has(sink.type)) continue;
    if (!runtime) runtime = std::make_unique<SinkRuntime>(1);
    const SinkSpec spec{sink.name, sink.type, sink.settings, sink.headers,
                        KafkaProperty(config, "group.id")};
    Result<std::unique_ptr<Sink>> created = registry.Create(spec, *runtime);
    if (!created.ok()) {
      errors.push_back(
          {sink.location, "sinks." + sink.name, std::string(created.status().message())});
      continue;
    }
    for (const CompiledRoute& compiled : router->routes()) {
      if (compiled.sink() != sink.name) continue;
      for (const config::RouteConfig& route : config.routes) {
        if (route.spec.name != compiled.name()) continue;
        const RouteBinding binding{&compiled, &route.options};
        Result<std::unique_ptr<ActionBuilder>> builder = (*created)->Bind(binding);
        if (!builder.ok()) {
          errors.push_back({route.location, "routes." + route.spec.name,
                            std::string(builder.status().message())});
        }
      }
    }
    (*created)->Close();
  }
  if (runtime) runtime->Stop();
  return errors;
}

}  // namespace fanout
