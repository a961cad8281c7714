#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "app/async_sinks.h"
#include "app/commands.h"
#include "app/dlq_replay_handler.h"
#include "app/kafka_setup.h"
#include "app/load_config.h"
#include "app/pipeline_setup.h"
#include "app/signals.h"
#include "config/duration.h"
#include "observability/event_stats.h"
#include "observability/logging.h"
#include "processor/core/wall_clock.h"
#include "processor/delivery/consume_loop.h"

namespace fanout {
int DlqReplayCommand(const DlqReplayOptions& options) {
  int exit_code = kExitOk;
  std::optional<config::Config> loaded =
      LoadConfigForCommand(options.config_path, options.log_level, &exit_code);
  if (!loaded) return exit_code;
  const config::Config& config = *loaded;
  Status status;
  ReplayFilter filter;
  filter.started_ms = WallClockMs();
  filter.route = options.route;
  if (options.since) {
    Result<std::chrono::milliseconds> since = config::ParseDuration(*options.since);
    if (!since.ok()) {
      spdlog::error("--since: {}", since.status().message());
      return kExitConfigError;
    }
    filter.since_ms = filter.started_ms - since->count();
  }
  Result<std::chrono::milliseconds> idle = config::ParseDuration(options.idle);
  if (!idle.ok()) {
    spdlog::error("--idle: {}", idle.status().message());
    return kExitConfigError;
  }
  if (filter.route && !std::any_of(config.routes.begin(), config.routes.end(),
                                   [&](const auto& r) { return r.spec.name == *filter.route; })) {
    spdlog::error("--route: no route named '{}' in {}", *filter.route, options.config_path);
    return kExitConfigError;
  }

  static std::atomic<bool> stop{false};
  InstallStopSignals(&stop);

  Result<Router> router = CompileRoutes(config);
  if (!router.ok()) return kExitConfigError;
  const std::string topic = options.topic.value_or(config.dead_letter.topic);
  // Replay progress is a consumer group per scope (all routes, or one route), committed with
  // the replayed output: a second replay does not repeat what the first one finished, and what
  // another scope finished is skipped (see ReplayFilter).
  const std::string base_group = KafkaProperty(config, "group.id") + ".dlq-replay";
  const std::string group = filter.route ? base_group + "." + *filter.route : base_group;
  KafkaProperties properties;
  for (const config::KafkaProperty& p : config.kafka) properties.emplace_back(p.key, p.value);
  auto progress_of = [&](const std::string& other) -> Result<ReplayProgress> {
    return ReadCommittedOffsets(properties, other, topic, std::chrono::seconds(15));
  };
  if (filter.route) {
    Result<ReplayProgress> all = progress_of(base_group);
    if (!all.ok()) {
      spdlog::error("dlq replay: {}", all.status().ToString());
      return kExitRuntimeError;
    }
    filter.all_routes_done = *all;
  } else {
    for (const config::RouteConfig& route : config.routes) {
      Result<ReplayProgress> done = progress_of(base_group + "." + route.spec.name);
      if (!done.ok()) {
        spdlog::error("dlq replay: {}", done.status().ToString());
        return kExitRuntimeError;
      }
      filter.route_done[route.spec.name] = *done;
    }
  }
  Result<std::unique_ptr<Consumer>> consumer =
      CreateKafkaConsumer(ConsumerConfigFor(config, group, {topic}));
  if (!consumer.ok()) {
    spdlog::error("{}", consumer.status().ToString());
    return kExitConfigError;
  }
  Result<std::unique_ptr<Producer>> producer =
      CreateProducerFor(config, **consumer, TransactionalId(config) + ".dlq-replay", stop);
  if (!producer.ok()) {
    if (stop.load()) return kExitOk;
    spdlog::error("kafka producer: {}", producer.status().ToString());
    return kExitRuntimeError;
  }
  std::unique_ptr<OffsetCommitter> committer = CommitterFor(config, **producer, **consumer);

  EventStats stats;
  DecodeHandler decode(&stats, &router.value(), producer->get(),
                       DecodeHandlerOptionsFor(config, *router));
  BindKafkaRoutes(config, *router, &decode);
  ReplayHandler replay(&decode, filter);

  // Dead letters of routes to asynchronous sinks are re-driven through those sinks. Sinks that
  // keep processed offsets (postgres) keep the replay's under its own group, by the dead
  // letters' coordinates: the main group's say nothing about a replay (they cover the failed
  // record, which is why a replay found it "already applied" before).
  ConsumeLoopOptions loop_options;
  Result<std::unique_ptr<AsyncSinks>> async_sinks =
      AsyncSinks::Open(config, *router, &decode, **consumer, &loop_options, group);
  if (!async_sinks.ok()) {
    spdlog::error("dlq replay: {}", async_sinks.status().ToString());
    return async_sinks.status().code() == StatusCode::kInvalidArgument ? kExitConfigError
                                                                       : kExitRuntimeError;
  }

  // Stop once nothing arrived for `idle` and nothing is left to read.
  std::int64_t last_seen = -1;
  auto last_activity = std::chrono::steady_clock::now();
  loop_options.commit_interval = config.processing.commit_interval;
  loop_options.max_batch = config.processing.max_batch;
  loop_options.progress_interval = std::chrono::milliseconds(500);
  loop_options.on_progress = [&](std::int64_t lag) {
    auto now = std::chrono::steady_clock::now();
    if (replay.seen() != last_seen) {
      last_seen = replay.seen();
      last_activity = now;
    } else if (lag == 0 && now - last_activity >= *idle) {
      stop = true;
    }
  };
  ConsumeLoop loop(**consumer, replay, *committer, loop_options);
  spdlog::info("dlq replay: reading {} as group '{}'{}", topic, group,
               filter.route ? " (route " + *filter.route + " only)" : std::string());
  status = loop.Run(stop);
  (*async_sinks)->Close();
  spdlog::info("dlq replay: {} dead letters read, {} replayed, {} skipped; {}", replay.seen(),
               replay.replayed(), replay.skipped(), stats.Summary());
  if (!status.ok()) {
    spdlog::error("dlq replay: {}", status.ToString());
    return kExitRuntimeError;
  }
  return kExitOk;
}

}  // namespace fanout
