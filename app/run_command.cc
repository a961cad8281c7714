#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "app/allocator.h"
#include "app/async_sinks.h"
#include "app/commands.h"
#include "app/kafka_setup.h"
#include "app/load_config.h"
#include "app/observability_setup.h"
#include "app/pipeline_setup.h"
#include "app/signals.h"
#include "observability/event_stats.h"
#include "observability/logging.h"
#include "observability/loop_observability.h"
#include "processor/delivery/consume_loop.h"
#include "processor/delivery/offset_committer.h"
#include "processor/kafka/consumer.h"
#include "processor/kafka/producer.h"

namespace fanout {
int RunCommand(const RunOptions& options) {
  int exit_code = kExitOk;
  std::optional<config::Config> loaded =
      LoadConfigForCommand(options.config_path, options.log_level, &exit_code);
  if (!loaded) return exit_code;
  const config::Config& config = *loaded;
  Status status;
  if (options.log_format) {
    Result<LogFormat> format = ParseLogFormat(*options.log_format);
    if (!format.ok()) {
      spdlog::error("{}", format.status().ToString());
      return kExitConfigError;
    }
    LoggingOptions logging;
    logging.level = options.log_level.value_or(config.logging.level);
    logging.format = *format;
    (void)SetupLogging(logging);  // the level was accepted already
  }
  Result<std::unique_ptr<RunObservability>> observability = RunObservability::Start(config);
  if (!observability.ok()) {
    spdlog::error("{}", observability.status().ToString());
    return observability.status().code() == StatusCode::kInvalidArgument ? kExitConfigError
                                                                         : kExitRuntimeError;
  }

  static std::atomic<bool> stop{false};
  InstallStopSignals(&stop);

  Result<Router> router = CompileRoutes(config);
  if (!router.ok()) return kExitConfigError;
  Result<std::unique_ptr<Consumer>> consumer =
      CreateKafkaConsumer(ConsumerConfigFor(config, "", config.source.topics));
  if (!consumer.ok()) {
    spdlog::error("{}", consumer.status().ToString());
    return kExitConfigError;
  }
  Result<std::unique_ptr<Producer>> producer =
      CreateProducerFor(config, **consumer, TransactionalId(config), stop);
  if (!producer.ok()) {
    if (stop.load()) return kExitOk;  // asked to stop while the cluster was away
    spdlog::error("kafka producer: {}", producer.status().ToString());
    return kExitRuntimeError;
  }
  std::unique_ptr<OffsetCommitter> committer = CommitterFor(config, **producer, **consumer);

  EventStats stats;
  stats.AttachMetrics((*observability)->metrics());
  DecodeHandler handler(&stats, &router.value(), producer->get(),
                        DecodeHandlerOptionsFor(config, *router));
  BindKafkaRoutes(config, *router, &handler);
  if (options.dump_events_path) {
    status = handler.OpenDump(*options.dump_events_path);
    if (!status.ok()) {
      spdlog::error("{}", status.ToString());
      return kExitConfigError;
    }
  }

  ConsumeLoopOptions loop_options;
  Result<std::unique_ptr<AsyncSinks>> async_sinks =
      AsyncSinks::Open(config, *router, &handler, **consumer, &loop_options);
  if (!async_sinks.ok()) {
    spdlog::error("{}", async_sinks.status().ToString());
    return async_sinks.status().code() == StatusCode::kInvalidArgument ? kExitConfigError
                                                                       : kExitRuntimeError;
  }
  (*async_sinks)->Observe((*observability)->metrics(), (*observability)->health());
  LoopObservability loop_observability((*observability)->metrics(), (*observability)->health());
  loop_options.observer = &loop_observability;
  loop_options.commit_interval = config.processing.commit_interval;
  loop_options.max_batch = config.processing.max_batch;
  loop_options.progress_interval = config.logging.progress_interval;
  loop_options.on_progress = [&stats](std::int64_t lag) {
    spdlog::info("{}", stats.ProgressLine(lag));
  };
  ConsumeLoop loop(**consumer, handler, *committer, loop_options);

  spdlog::info("fanout: allocator {}", AllocatorName());
  spdlog::info("fanout: joining group '{}' ({}), topics: {}", KafkaProperty(config, "group.id"),
               config.processing.exactly_once
                   ? "exactly once, transactional.id " + TransactionalId(config) +
                         ", group.instance.id " + GroupInstanceId(config)
                   : "at least once, group.instance.id " + GroupInstanceId(config),
               fmt::join(config.source.topics, ", "));
  status = loop.Run(stop);
  (*async_sinks)->Close();
  spdlog::info("fanout: stopped after {} commits and {} aborts; {}", loop.commits(), loop.aborts(),
               stats.Summary());
  if (!status.ok()) {
    spdlog::error("fanout: {}", status.ToString());
    return kExitRuntimeError;
  }
  return kExitOk;
}

}  // namespace fanout
