// AsyncSinks: the asynchronous sinks of one fanout process (everything but Kafka), wired up from
// the config: each sink created through the registry on one SinkRuntime, each route to such a
// sink bound (its action builder) and handed to the DecodeHandler, one SinkDispatcher for all.
//
// Destruction order matters and is kept here: sinks close (no callback left), the runtime's
// threads stop, then the dispatcher goes.
#ifndef FANOUT_APP_ASYNC_SINKS_H_
#define FANOUT_APP_ASYNC_SINKS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "dedup/idempotency_stores.h"
#include "observability/dispatch_observers.h"
#include "observability/health.h"
#include "observability/pipeline_metrics.h"
#include "processor/delivery/consume_loop.h"
#include "processor/delivery/sink_dispatcher.h"
#include "processor/kafka/consumer.h"
#include "processor/pipeline/decode_handler.h"
#include "processor/route/router.h"
#include "sinks/runtime.h"
#include "sinks/sink.h"

namespace fanout {

class AsyncSinks {
 public:
  // Creates the sinks `registry` knows and binds their routes into `handler`; sinks of other
  // types are left alone (their routes stay evaluated only). `wake` interrupts the consume
  // loop's poll when results arrive. InvalidArgument: a sink setting or route option is wrong.
  // `progress_group` is the consumer group sinks key their processed offsets by (empty:
  // kafka.group.id); `fanout dlq replay` passes its own.
  static Result<std::unique_ptr<AsyncSinks>> Create(
      const config::Config& config, const Router& router, const SinkRegistry& registry,
      DecodeHandler* handler, std::function<void()> wake, const std::string& progress_group = "");
  // What `fanout run` and `fanout dlq replay` both need: the built-in sink types registered
  // (routes to types this build lacks are warned about and stay evaluated only), the sinks
  // created and bound into `handler`, each started within kStartTimeout, and their results
  // waking `consumer`'s poll. Sets the loop options the sinks need in `loop_options`.
  // InvalidArgument: a configuration error; anything else: the sinks cannot start.
  static Result<std::unique_ptr<AsyncSinks>> Open(const config::Config& config,
                                                  const Router& router, DecodeHandler* handler,
                                                  Consumer& consumer,
                                                  ConsumeLoopOptions* loop_options,
                                                  const std::string& progress_group = "");
  static constexpr std::chrono::milliseconds kStartTimeout{5000};

  ~AsyncSinks();

  // Checks every sink can reach its server within `timeout`. A sink that cannot is only
  // warned about (its actions will retry); any other error is returned.
  Status Start(std::chrono::milliseconds timeout);

  // Closes the sinks and stops the I/O threads. Idempotent.
  void Close();

  // Counts every route's outcomes and every sink's latency and availability into `metrics` and
  // `health` (either may be null). Call before consuming.
  void Observe(PipelineMetrics* metrics, HealthState* health);

  std::size_t size() const { return sinks_.size(); }
  const SinkDispatcher* dispatcher() const { return dispatcher_.get(); }

 private:
  AsyncSinks() = default;
  // Binds a route with `dedup:` to its (wrapped) sink, with the store its `dedup.store` names.
  Result<std::unique_ptr<ActionBuilder>> BindDeduplicated(const config::Config& config,
                                                          const config::RouteConfig& route,
                                                          std::size_t sink_index,
                                                          const RouteBinding& binding);

  std::unique_ptr<SinkDispatcher> dispatcher_;  // destroyed last
  std::unique_ptr<SinkRuntime> runtime_;
  // Routes with `dedup:`: their sinks are wrapped in an IdempotencySink using these stores.
  std::unique_ptr<IdempotencyStores> dedup_stores_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::vector<std::string> sink_names_;
  std::vector<std::unique_ptr<DispatchRoute>> routes_;
  // What Observe() made: the routes' counters and the sinks' observers.
  std::vector<std::unique_ptr<RouteSinkCounters>> route_counters_;
  std::vector<std::unique_ptr<SinkObservability>> sink_observers_;
};

}  // namespace fanout

#endif  // FANOUT_APP_ASYNC_SINKS_H_
