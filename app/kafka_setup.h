// The Kafka clients a command needs, built from the config in one place (run and dlq replay).
#ifndef FANOUT_APP_KAFKA_SETUP_H_
#define FANOUT_APP_KAFKA_SETUP_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "processor/delivery/offset_committer.h"
#include "processor/kafka/consumer.h"
#include "processor/kafka/producer.h"

namespace fanout {

// The value of a `kafka:` property, or "".
std::string KafkaProperty(const config::Config& config, std::string_view key);

// Stable per instance, so a restart fences its previous incarnation and aborts the transaction
// it left open at once: `kafka.transactional.id`, else fanout-<group.id>-<client.id or host>.
std::string TransactionalId(const config::Config& config);

// The group.instance.id of the main group's consumer (static membership, on by default): the
// `kafka.group.instance.id` property if given (an empty value turns static membership off), else
// the transactional.id (TransactionalId: `kafka.transactional.id`, or
// fanout-<group.id>-<client.id or host>).
std::string GroupInstanceId(const config::Config& config);

// The consumer's settings: the `kafka:` properties (without producer-only ones), with group.id
// replaced by `group_id` when it is not empty (a helper group such as dlq replay's, which never
// uses static membership); for the main group (`group_id` empty) group.instance.id is
// GroupInstanceId().
ConsumerConfig ConsumerConfigFor(const config::Config& config, const std::string& group_id,
                                 std::vector<std::string> topics);

// The producer of the configured guarantee (transactional with `transactional_id`, or
// idempotent), retrying while the cluster cannot be reached until `stop` is set.
Result<std::unique_ptr<Producer>> CreateProducerFor(const config::Config& config,
                                                    Consumer& consumer,
                                                    const std::string& transactional_id,
                                                    const std::atomic<bool>& stop);

// How offsets are committed for the configured guarantee.
std::unique_ptr<OffsetCommitter> CommitterFor(const config::Config& config, Producer& producer,
                                              Consumer& consumer);

}  // namespace fanout

#endif  // FANOUT_APP_KAFKA_SETUP_H_
