#include "app/async_sinks.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "app/kafka_setup.h"
#include "dedup/idempotency_sink.h"
#include "sinks/builtin.h"

namespace fanout {
namespace {

// Whether a route to sink `name` names an idempotency-key store.
bool NeedsDedup(const config::Config& config, const std::string& name) {
  for (const config::RouteConfig& route : config.routes) {
    if (route.dedup && route.spec.sink == name) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<AsyncSinks>> AsyncSinks::Create(
    const config::Config& config, const Router& router, const SinkRegistry& registry,
    DecodeHandler* handler, std::function<void()> wake, const std::string& progress_group) {
  std::unique_ptr<AsyncSinks> sinks(new AsyncSinks());
  std::vector<Sink*> raw;
  for (const config::SinkConfig& sink : config.sinks) {
    if (sink.type == "kafka" || !registry.Has(sink.type)) continue;
    if (!sinks->runtime_) sinks->runtime_ = std::make_unique<SinkRuntime>(1);
    SinkSpec spec{sink.name, sink.type, sink.settings, sink.headers,
                  progress_group.empty() ? KafkaProperty(config, "group.id") : progress_group};
    Result<std::unique_ptr<Sink>> created = registry.Create(spec, *sinks->runtime_);
    if (!created.ok()) {
      return InvalidArgument(config::ToString(sink.location) + ": sink '" + sink.name +
                             "': " + std::string(created.status().message()));
    }
    std::unique_ptr<Sink> created_sink = std::move(created).value();
    if (NeedsDedup(config, sink.name)) {
      if (!sinks->dedup_stores_) {
        // The consumer group namespaces the keys: two deployments sharing a store must not
        // suppress each other's deliveries.
        sinks->dedup_stores_ =
            std::make_unique<IdempotencyStores>(KafkaProperty(config, "group.id"));
      }
      created_sink = std::make_unique<IdempotencySink>(std::move(created_sink),
                                                       &sinks->dedup_stores_->worker(), sink.name);
    }
    raw.push_back(created_sink.get());
    sinks->sinks_.push_back(std::move(created_sink));
    sinks->sink_names_.push_back(sink.name);
  }
  if (sinks->sinks_.empty()) return sinks;
  sinks->dispatcher_ = std::make_unique<SinkDispatcher>(std::move(raw), std::move(wake));

  const std::span<const CompiledRoute> compiled = router.routes();
  for (std::size_t i = 0; i < compiled.size(); ++i) {
    const config::RouteConfig* route_config = nullptr;
    for (const config::RouteConfig& rc : config.routes) {
      if (rc.spec.name == compiled[i].name()) route_config = &rc;
    }
    if (route_config == nullptr) continue;
    std::size_t sink_index = 0;
    while (sink_index < sinks->sink_names_.size() &&
           sinks->sink_names_[sink_index] != compiled[i].sink()) {
      ++sink_index;
    }
    if (sink_index == sinks->sink_names_.size()) continue;  // Kafka, or not built in
    const RouteBinding binding{&compiled[i], &route_config->options};
    Result<std::unique_ptr<ActionBuilder>> builder =
        route_config->dedup ? sinks->BindDeduplicated(config, *route_config, sink_index, binding)
                            : sinks->sinks_[sink_index]->Bind(binding);
    if (!builder.ok()) {
      return InvalidArgument(config::ToString(route_config->location) + ": route '" +
                             route_config->spec.name +
                             "': " + std::string(builder.status().message()));
    }
    auto dispatch = std::make_unique<DispatchRoute>();
    dispatch->name = route_config->spec.name;
    dispatch->sink_name = sinks->sink_names_[sink_index];
    dispatch->sink_index = sink_index;
    dispatch->retry = route_config->retry;
    handler->BindAsyncRoute(i, std::move(builder).value(), dispatch.get(),
                            sinks->dispatcher_.get());
    sinks->routes_.push_back(std::move(dispatch));
  }
  return sinks;
}

Result<std::unique_ptr<AsyncSinks>> AsyncSinks::Open(const config::Config& config,
                                                     const Router& router, DecodeHandler* handler,
                                                     Consumer& consumer,
                                                     ConsumeLoopOptions* loop_options,
                                                     const std::string& progress_group) {
  SinkRegistry registry;
  FANOUT_RETURN_IF_ERROR(RegisterBuiltinSinks(registry));
  for (const config::RouteConfig& route : config.routes) {
    const config::SinkConfig* sink = config.FindSink(route.spec.sink);
    if (sink != nullptr && sink->type != "kafka" && !registry.Has(sink->type)) {
      spdlog::warn(
          "route '{}': {} sinks are not built yet; the route is evaluated and counted, "
          "nothing is written",
          route.spec.name, sink->type);
    }
  }
  Consumer* wake_target = &consumer;
  FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSinks> sinks,
                          Create(
                              config, router, registry, handler,
                              [wake_target] { wake_target->Wake(); }, progress_group));
  FANOUT_RETURN_IF_ERROR(sinks->Start(kStartTimeout));
  if (sinks->size() > 0) loop_options->pending_work = handler;
  loop_options->max_in_flight = config.processing.max_in_flight;
  loop_options->max_in_flight_per_partition = config.processing.max_in_flight_per_partition;
  loop_options->max_in_flight_bytes = config.processing.max_in_flight_bytes;
  loop_options->drain_timeout = config.processing.drain_timeout;
  return sinks;
}

Result<std::unique_ptr<ActionBuilder>> AsyncSinks::BindDeduplicated(
    const config::Config& config, const config::RouteConfig& route, std::size_t sink_index,
    const RouteBinding& binding) {
  const config::SinkConfig* holder = config.FindSink(route.dedup->store);
  if (holder == nullptr) {
    return InvalidArgument("dedup.store: no sink named '" + route.dedup->store + "'");
  }
  SinkSpec spec{holder->name, holder->type, holder->settings, holder->headers};
  FANOUT_ASSIGN_OR_RETURN(IdempotencyStore * store, dedup_stores_->Get(spec));
  return static_cast<IdempotencySink&>(*sinks_[sink_index])
      .BindDeduplicated(binding, store, route.dedup->ttl);
}

AsyncSinks::~AsyncSinks() { Close(); }

void AsyncSinks::Observe(PipelineMetrics* metrics, HealthState* health) {
  if (!dispatcher_) return;
  std::vector<SinkObserver*> observers;
  for (const std::string& name : sink_names_) {
    sink_observers_.push_back(std::make_unique<SinkObservability>(name, metrics, health));
    observers.push_back(sink_observers_.back().get());
  }
  dispatcher_->SetObservers(std::move(observers));
  if (metrics == nullptr) return;
  for (auto& route : routes_) {
    route_counters_.push_back(
        std::make_unique<RouteSinkCounters>(metrics->ForRouteSink(route->name, route->sink_name)));
    route->observer = route_counters_.back().get();
  }
}

Status AsyncSinks::Start(std::chrono::milliseconds timeout) {
  if (dedup_stores_) FANOUT_RETURN_IF_ERROR(dedup_stores_->Start());
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    Status status = sinks_[i]->Start(timeout);
    if (status.code() == StatusCode::kUnavailable) {
      spdlog::warn("sink '{}': {}; its actions wait and retry until it is back", sink_names_[i],
                   status.message());
      continue;
    }
    if (!status.ok()) {
      return Status(status.code(), "sink '" + sink_names_[i] + "': " + status.ToString());
    }
    spdlog::info("sink '{}': ready", sink_names_[i]);
  }
  return Status();
}

void AsyncSinks::Close() {
  for (auto& sink : sinks_) sink->Close();
  if (dedup_stores_) dedup_stores_->Stop();  // after the sinks: they use its worker
  if (runtime_) runtime_->Stop();
}

}  // namespace fanout
