// Consumer: a Kafka consumer-group member as the engine needs it. The only implementation that
// talks to Kafka is CreateKafkaConsumer() (librdkafka); tests use fakes.
//
// Thread-safety: a Consumer is used from one thread (the consume loop's). RebalanceListener
// callbacks run on that thread, inside Poll() and Close().
#ifndef FANOUT_PROCESSOR_KAFKA_CONSUMER_H_
#define FANOUT_PROCESSOR_KAFKA_CONSUMER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

// librdkafka properties in the order the user wrote them.
using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

struct ConsumerConfig {
  KafkaProperties properties;       // must contain group.id and bootstrap.servers
  std::vector<std::string> topics;  // names, or regexes starting with '^'
};

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Partitions were added to this member's assignment.
  virtual void OnAssigned(const std::vector<TopicPartition>& partitions) = 0;
  // Partitions are about to be taken away. When `lost` is false the listener may still commit
  // for them (Consumer::Commit works inside this call); when true the group already gave them to
  // someone else and a commit would be rejected.
  virtual void OnRevoked(const std::vector<TopicPartition>& partitions, bool lost) = 0;
};

// Records from one Poll. Owns the underlying messages: the views stay valid until the batch is
// destroyed.
class RecordBatch {
 public:
  virtual ~RecordBatch() = default;
  virtual std::span<const KafkaRecordView> records() const = 0;
};

class Consumer {
 public:
  virtual ~Consumer() = default;

  // Joins the group and subscribes to the configured topics. `listener` must outlive the
  // consumer. Errors: InvalidArgument for a bad topic pattern.
  virtual Status Subscribe(RebalanceListener* listener) = 0;

  // Waits up to `timeout` for up to `max_records` records. An empty batch is normal. Broker
  // trouble is not an error here: the client reconnects on its own and the consumer logs it.
  // Errors: Internal for a fatal client error (the consumer is unusable afterwards).
  virtual Result<std::unique_ptr<RecordBatch>> Poll(std::chrono::milliseconds timeout,
                                                    std::size_t max_records) = 0;

  // Synchronously commits `offsets` (the next offset to read per partition) for the group.
  // Errors: FailedPrecondition when the group generation moved on (a rebalance took the
  // partitions), Unavailable when the coordinator cannot be reached.
  virtual Status Commit(const std::vector<PartitionOffset>& offsets) = 0;

  // The group's committed offset of each of `partitions` (-1 where nothing is committed) with
  // the commit's metadata, read from the group coordinator.
  // Errors: Unavailable when the coordinator cannot be reached in time.
  virtual Result<std::vector<PartitionOffset>> Committed(
      const std::vector<TopicPartition>& partitions) = 0;

  // Moves every assigned partition back to its committed offset (the start of the partition
  // when nothing is committed), dropping whatever was fetched beyond it: after an aborted
  // transaction, the work it held is read and done again. Errors: Unavailable when the
  // committed offsets cannot be read.
  virtual Status RewindToCommitted() = 0;

  // Records between the consume position and the high watermark, summed over the assignment,
  // from the client's cached watermarks (no broker round trip). 0 with no assignment.
  virtual std::int64_t LagRecords() = 0;

  // Per assigned partition: the next offset to read (-1 while unknown) and the high watermark
  // (-1 while unknown), for lag metrics. Watermarks are the client's cached ones; a paused
  // partition stops fetching once its prefetch is full, so its watermark is asked of the broker
  // instead, at most every few seconds and with a short timeout. Default: no partitions (fakes).
  struct PartitionPosition {
    TopicPartition tp;
    std::int64_t position = -1;
    std::int64_t high_watermark = -1;
  };
  virtual std::vector<PartitionPosition> Positions() { return {}; }

  // Stops handing out records of `partitions` (backpressure) / starts again where consumption
  // stopped. Records already returned by Poll are not affected. The librdkafka consumer keeps
  // what it prefetched (up to its queued.* bounds) while paused, so resuming costs nothing.
  // Errors: Internal from the client.
  virtual Status Pause(const std::vector<TopicPartition>& partitions) = 0;
  virtual Status Resume(const std::vector<TopicPartition>& partitions) = 0;

  // Makes a Poll() blocked in another thread return early (an empty batch is fine). Thread-safe,
  // may be called at any time, also after Close() (then it does nothing).
  virtual void Wake() = 0;

  // Leaves the group (the listener sees the final revocation and may commit) and releases the
  // client. Idempotent.
  virtual Status Close() = 0;
};

// The librdkafka consumer. fanout manages offsets itself, so it sets enable.auto.commit=false and
// enable.auto.offset.store=false; unless given, partition.assignment.strategy defaults to
// cooperative-sticky, auto.offset.reset to earliest (a change stream is read from its start),
// topic.metadata.refresh.interval.ms to 10000 (new topics matching a ^regex appear within 10 s),
// and the prefetch per partition to queued.max.messages.kbytes=4096 (4 MiB queued) plus
// max.partition.fetch.bytes=131072 (one fetch of 128 KiB on the wire, more once decompressed):
// small, because fanout wakes librdkafka 2.0's fetcher whenever a queue runs below half of that
// (fetch_nudger.h) instead of sizing the queue to last out its one-second refetch delay.
// Errors: InvalidArgument naming the property librdkafka rejected.
Result<std::unique_ptr<Consumer>> CreateKafkaConsumer(const ConsumerConfig& config);

// The offsets `group` has committed on every partition of `topic` (partitions without a commit
// are left out), read without joining the group. Errors: Unavailable when the cluster cannot be
// reached within `timeout`, NotFound when the topic does not exist.
Result<std::map<std::int32_t, std::int64_t>> ReadCommittedOffsets(
    const KafkaProperties& properties, const std::string& group, const std::string& topic,
    std::chrono::milliseconds timeout);

struct PropertyError {
  std::string property;
  std::string message;
};

// Checks each property against librdkafka (and fanout's own rules) without connecting.
std::vector<PropertyError> ValidateConsumerProperties(const KafkaProperties& properties);

// Checks the producer properties of a kafka sink (`sinks.<name>.properties`) against librdkafka,
// without connecting and without loading a plugin library.
std::vector<PropertyError> ValidateProducerProperties(const KafkaProperties& properties);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_KAFKA_CONSUMER_H_
