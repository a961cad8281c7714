#include "app/pipeline_setup.h"

#include "sinks/builtin.h"
#include "sinks/kafka/record_builder.h"

namespace fanout {

DecodeHandlerOptions DecodeHandlerOptionsFor(const config::Config& config, const Router& router) {
  DecodeHandlerOptions options;
  options.dead_letter_topic = config.dead_letter.topic;
  options.dead_letter_max_bytes = config.dead_letter.max_record_bytes;
  options.skip_reemitted = config.processing.skip_reemitted;
  const config::SinkTypes types = BuiltinSinkTypes();
  for (const CompiledRoute& route : router.routes()) {
    RouteDelivery delivery;
    if (const config::SinkConfig* sink = config.FindSink(route.sink())) {
      for (const config::SinkTypeSpec* type : types) {
        if (type->type != sink->type) continue;
        delivery.skips_reemissions = type->skips_reemissions;
        delivery.keys_progress_by_consumed_record = type->keys_progress_by_consumed_record;
      }
    }
    options.routes.push_back(delivery);
  }
  return options;
}

void BindKafkaRoutes(const config::Config& config, const Router& router, DecodeHandler* handler) {
  const std::span<const CompiledRoute> routes = router.routes();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const config::SinkConfig* sink = config.FindSink(routes[i].sink());
    if (sink == nullptr || sink->type != "kafka") continue;
    const config::Settings none;
    const config::Settings* options = &none;
    for (const config::RouteConfig& rc : config.routes) {
      if (rc.spec.name == routes[i].name()) options = &rc.options;
    }
    handler->BindKafkaRoute(i, MakeKafkaOutputBuilder(routes[i], *options));
  }
}

}  // namespace fanout
