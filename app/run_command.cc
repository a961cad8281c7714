#include <spdlog/spdlog.h>

#include <atomic>

#include "app/commands.h"
#include "app/decode_handler.h"
#include "app/load_config.h"
#include "app/signals.h"
#include "observability/event_stats.h"
#include "observability/logging.h"
#include "processor/delivery/consume_loop.h"
#include "processor/kafka/consumer.h"

namespace fanout {
namespace {

std::string GroupId(const config::Config& config) {
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key == "group.id") return p.value;
  }
  return "";
}

}  // namespace

int RunCommand(const RunOptions& options) {
  config::LoadResult loaded = LoadValidatedConfig(options.config_path);
  if (!loaded.ok()) {
    PrintConfigErrors(loaded);
    return kExitConfigError;
  }
  const config::Config& config = loaded.config;
  Status status = SetupLogging(options.log_level.value_or(config.logging.level));
  if (!status.ok()) {
    spdlog::error("{}", status.ToString());
    return kExitConfigError;
  }

  static std::atomic<bool> stop{false};
  InstallStopSignals(&stop);

  std::vector<RouteSpec> specs;
  for (const config::RouteConfig& route : config.routes) specs.push_back(route.spec);
  Result<Router> router = Router::Create(std::move(specs));
  if (!router.ok()) {  // validation compiled every piece already; this is a last line of defence
    spdlog::error("routes: {}", router.status().message());
    return kExitConfigError;
  }
  if (!config.routes.empty()) {
    spdlog::warn("fanout: {} route(s) are evaluated and counted, but nothing is written to the "
                 "sinks yet (sink delivery is not built)",
                 config.routes.size());
  }

  EventStats stats;
  DecodeHandler handler(&stats, &router.value());
  if (options.dump_events_path) {
    status = handler.OpenDump(*options.dump_events_path);
    if (!status.ok()) {
      spdlog::error("{}", status.ToString());
      return kExitConfigError;
    }
  }

  ConsumerConfig consumer_config;
  for (const config::KafkaProperty& p : config.kafka)
    consumer_config.properties.emplace_back(p.key, p.value);
  consumer_config.topics = config.source.topics;
  Result<std::unique_ptr<Consumer>> consumer = CreateKafkaConsumer(consumer_config);
  if (!consumer.ok()) {
    spdlog::error("{}", consumer.status().ToString());
    return kExitConfigError;
  }

  ConsumeLoopOptions loop_options;
  loop_options.commit_interval = config.processing.commit_interval;
  loop_options.max_batch = config.processing.max_batch;
  loop_options.progress_interval = config.logging.progress_interval;
  loop_options.on_progress = [&stats](std::int64_t lag) {
    spdlog::info("{}", stats.ProgressLine(lag));
  };
  ConsumeLoop loop(**consumer, handler, loop_options);

  spdlog::info("fanout: joining group '{}', topics: {}", GroupId(config),
               fmt::join(config.source.topics, ", "));
  status = loop.Run(stop);
  spdlog::info("fanout: stopped after {} commits; {}", loop.commits(), stats.Summary());
  if (!status.ok()) {
    spdlog::error("fanout: {}", status.ToString());
    return kExitRuntimeError;
  }
  return kExitOk;
}

}  // namespace fanout
