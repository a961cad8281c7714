#include "app/kafka_setup.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

namespace fanout {

std::string KafkaProperty(const config::Config& config, std::string_view key) {
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key == key) return p.value;
  }
  return "";
}

namespace {

// fanout-<group.id>-<client.id or host name>: the identity of one instance in its group.
std::string InstanceIdentity(const config::Config& config) {
  std::string instance = KafkaProperty(config, "client.id");
  if (instance.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    instance = host;
  }
  return "fanout-" + KafkaProperty(config, "group.id") + "-" + instance;
}

}  // namespace

std::string TransactionalId(const config::Config& config) {
  std::string id = KafkaProperty(config, "transactional.id");
  return id.empty() ? InstanceIdentity(config) : id;
}

std::string GroupInstanceId(const config::Config& config) {
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key == "group.instance.id") return p.value;  // "" turns static membership off
  }
  // The transactional.id: instances told apart by an explicit one stay apart in the group too.
  return TransactionalId(config);
}

ConsumerConfig ConsumerConfigFor(const config::Config& config, const std::string& group_id,
                                 std::vector<std::string> topics) {
  ConsumerConfig consumer;
  for (const config::KafkaProperty& p : config.kafka) {
    if (p.key == "transactional.id") continue;  // the producer's
    if (p.key == "group.id" && !group_id.empty()) continue;
    if (p.key == "group.instance.id" && !group_id.empty()) continue;  // belongs to the main group
    consumer.properties.emplace_back(p.key, p.value);
  }
  if (!group_id.empty()) {
    consumer.properties.emplace_back("group.id", group_id);
  } else if (std::string id = GroupInstanceId(config); !id.empty()) {
    // Static membership: a restarted instance takes its partitions back at once instead of
    // after the dead one's session.timeout.ms.
    std::erase_if(consumer.properties,
                  [](const auto& p) { return p.first == "group.instance.id"; });
    consumer.properties.emplace_back("group.instance.id", id);
  } else {
    std::erase_if(consumer.properties,
                  [](const auto& p) { return p.first == "group.instance.id"; });
  }
  consumer.topics = std::move(topics);
  return consumer;
}

Result<std::unique_ptr<Producer>> CreateProducerFor(const config::Config& config,
                                                    Consumer& consumer,
                                                    const std::string& transactional_id,
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
  producer_config.transactional_id = transactional_id;
  producer_config.init_timeout = std::chrono::seconds(5);
  for (;;) {
    Result<std::unique_ptr<Producer>> producer =
        CreateTransactionalProducer(consumer, producer_config);
    if (producer.ok() || producer.status().code() != StatusCode::kUnavailable ||
        stop.load(std::memory_order_relaxed)) {
      return producer;
    }
    spdlog::warn("kafka: cannot reach {} to initialise transactions ({}); retrying",
                 KafkaProperty(config, "bootstrap.servers"), producer.status().message());
  }
}

std::unique_ptr<OffsetCommitter> CommitterFor(const config::Config& config, Producer& producer,
                                              Consumer& consumer) {
  if (config.processing.exactly_once)
    return std::make_unique<TransactionalOffsetCommitter>(producer);
  return std::make_unique<AtLeastOnceOffsetCommitter>(producer, consumer);
}

}  // namespace fanout
