// A Kafka record as the engine sees it, without any librdkafka type.
#ifndef FANOUT_PROCESSOR_CORE_KAFKA_RECORD_H_
#define FANOUT_PROCESSOR_CORE_KAFKA_RECORD_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;

  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
};

// A partition and the next offset to read in it, as Kafka commits offsets, with the commit's
// metadata string (empty: none; see processor/delivery/kafka_output_marks.h for what fanout
// keeps there).
struct PartitionOffset {
  TopicPartition tp;
  std::int64_t offset = -1;
  std::string metadata;
  friend bool operator==(const PartitionOffset&, const PartitionOffset&) = default;
};

// "topic[partition]", for logs and errors.
std::string ToString(const TopicPartition& tp);

// Where a record was read: enough to find it again and to commit past it.
struct KafkaCoordinates {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
};

struct RecordHeaderView {
  std::string_view name;
  std::optional<std::string_view> value;  // nullopt: a header with a null value
};

// A borrowed view of one consumed record. The bytes belong to whoever produced the view (the
// consumer's batch) and stay valid only as long as that owner says; copy what must outlive it.
struct KafkaRecordView {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value, i.e. a tombstone
  std::int64_t timestamp_ms = -1;         // -1 when the broker gave none
  std::vector<RecordHeaderView> headers;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_KAFKA_RECORD_H_
