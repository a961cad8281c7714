#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "app/commands.h"
#include "app/decode_handler.h"
#include "app/load_config.h"
#include "app/signals.h"
#include "observability/event_stats.h"
#include "observability/logging.h"
#include "processor/delivery/consume_loop.h"
#include "processor/delivery/offset_committer.h"
#include "processor/kafka/consumer.h"
#include "processor/kafka/producer.h"

namespace fanout {
namespace {

std::string Property(const config::Config& config, std::string_view key) {
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key == key) return p.value;
  }
  return "";
}

// Stable per instance, so a restart fences its previous incarnation and aborts the transaction
// it left open at once: `kafka.transactional.id`, else fanout-<group.id>-<client.id or host>.
std::string TransactionalId(const config::Config& config) {
  std::string id = Property(config, "transactional.id");
  if (!id.empty()) return id;
  std::string instance = Property(config, "client.id");
  if (instance.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    instance = host;
  }
  return "fanout-" + Property(config, "group.id") + "-" + instance;
}

// Creates the producer, retrying while the cluster cannot be reached (or until `stop`).
Result<std::unique_ptr<Producer>> CreateProducer(const config::Config& config, Consumer& consumer,
                                                 const std::atomic<bool>& stop) {
  ProducerConfig producer_config;
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key != "transactional.id") producer_config.properties.emplace_back(p.key, p.value);
  }
  for (const config::SinkConfig& sink : config.sinks) {
    if (sink.type == "kafka") {
      for (const auto& property : sink.properties) producer_config.properties.push_back(property);
    }
  }
  if (!config.processing.exactly_once) return CreateIdempotentProducer(producer_config);
  producer_config.transactional_id = TransactionalId(config);
  producer_config.init_timeout = std::chrono::seconds(5);
  for (;;) {
    Result<std::unique_ptr<Producer>> producer = CreateTransactionalProducer(consumer, producer_config);
    if (producer.ok() || producer.status().code() != StatusCode::kUnavailable ||
        stop.load(std::memory_order_relaxed)) {
      return producer;
    }
    spdlog::warn("kafka: cannot reach {} to initialise transactions ({}); retrying",
                 Property(config, "bootstrap.servers"), producer.status().message());
  }
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
  for (const config::RouteConfig& route : config.routes) {
    const config::SinkConfig* sink = config.FindSink(route.spec.sink);
    if (sink != nullptr && sink->type != "kafka") {
      spdlog::warn("route '{}': {} sinks are not built yet; the route is evaluated and counted, "
                   "nothing is written",
                   route.spec.name, sink->type);
    }
  }

  ConsumerConfig consumer_config;
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key != "transactional.id") consumer_config.properties.emplace_back(p.key, p.value);
  }
  consumer_config.topics = config.source.topics;
  Result<std::unique_ptr<Consumer>> consumer = CreateKafkaConsumer(consumer_config);
  if (!consumer.ok()) {
    spdlog::error("{}", consumer.status().ToString());
    return kExitConfigError;
  }
  Result<std::unique_ptr<Producer>> producer = CreateProducer(config, **consumer, stop);
  if (!producer.ok()) {
    if (stop.load()) return kExitOk;  // asked to stop while the cluster was away
    spdlog::error("kafka producer: {}", producer.status().ToString());
    return kExitRuntimeError;
  }
  std::unique_ptr<OffsetCommitter> committer;
  if (config.processing.exactly_once) {
    committer = std::make_unique<TransactionalOffsetCommitter>(**producer);
  } else {
    committer = std::make_unique<AtLeastOnceOffsetCommitter>(**producer, **consumer);
  }

  EventStats stats;
  DecodeHandler handler(&stats, &router.value(), producer->get(), config);
  if (options.dump_events_path) {
    status = handler.OpenDump(*options.dump_events_path);
    if (!status.ok()) {
      spdlog::error("{}", status.ToString());
      return kExitConfigError;
    }
  }

  ConsumeLoopOptions loop_options;
  loop_options.commit_interval = config.processing.commit_interval;
  loop_options.max_batch = config.processing.max_batch;
  loop_options.progress_interval = config.logging.progress_interval;
  loop_options.on_progress = [&stats](std::int64_t lag) { spdlog::info("{}", stats.ProgressLine(lag)); };
  ConsumeLoop loop(**consumer, handler, *committer, loop_options);

  spdlog::info("fanout: joining group '{}' ({}), topics: {}", Property(config, "group.id"),
               config.processing.exactly_once ? "exactly once, transactional.id " + TransactionalId(config)
                                              : std::string("at least once"),
               fmt::join(config.source.topics, ", "));
  status = loop.Run(stop);
  spdlog::info("fanout: stopped after {} commits and {} aborts; {}", loop.commits(), loop.aborts(),
               stats.Summary());
  if (!status.ok()) {
    spdlog::error("fanout: {}", status.ToString());
    return kExitRuntimeError;
  }
  return kExitOk;
}

}  // namespace fanout
