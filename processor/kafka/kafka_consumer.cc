// The librdkafka implementation of Consumer.
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "processor/kafka/consumer.h"
#include "processor/kafka/fetch_nudger.h"
#include "processor/kafka/kafka_errors.h"
#include "processor/kafka/kafka_internal.h"
#include "processor/kafka/partition_queues.h"

namespace fanout {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kCommittedTimeoutMs = 10000;
constexpr int kSeekTimeoutMs = 10000;

// Properties fanout owns: a user value would break its offset management.
constexpr std::array<std::string_view, 3> kManagedProperties = {
    "enable.auto.commit", "enable.auto.offset.store", "enable.partition.eof"};

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using kafka::PartitionListPtr;

std::vector<TopicPartition> ToPartitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back(TopicPartition{list->elems[i].topic, list->elems[i].partition});
  }
  return out;
}

std::string Join(const std::vector<TopicPartition>& partitions) {
  std::string out;
  for (const TopicPartition& tp : partitions) {
    if (!out.empty()) out += ", ";
    out += ToString(tp);
  }
  return out;
}

Status SetProperty(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    return InvalidArgument(error);
  }
  return Status();
}

bool IsManaged(std::string_view key) {
  for (std::string_view managed : kManagedProperties) {
    if (key == managed) return true;
  }
  return false;
}

// Messages of one poll; destroys them with the batch.
class KafkaRecordBatch final : public RecordBatch {
 public:
  ~KafkaRecordBatch() override {
    for (rd_kafka_message_t* message : messages_) rd_kafka_message_destroy(message);
  }

  void Add(rd_kafka_message_t* message) {
    messages_.push_back(message);
    KafkaRecordView view;
    view.topic = rd_kafka_topic_name(message->rkt);
    view.partition = message->partition;
    view.offset = message->offset;
    if (message->key)
      view.key = std::string_view(static_cast<const char*>(message->key), message->key_len);
    if (message->payload) {
      view.value = std::string_view(static_cast<const char*>(message->payload), message->len);
    }
    rd_kafka_timestamp_type_t timestamp_type;
    view.timestamp_ms = rd_kafka_message_timestamp(message, &timestamp_type);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      std::size_t size = 0;
      for (std::size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        RecordHeaderView header{name, std::nullopt};
        if (value) header.value = std::string_view(static_cast<const char*>(value), size);
        view.headers.push_back(header);
      }
    }
    views_.push_back(std::move(view));
  }

  std::span<const KafkaRecordView> records() const override { return views_; }
  std::size_t size() const { return messages_.size(); }

  // Room for `count` records in all, so that a full batch (max_batch, 1000) is not built by
  // doubling: each step moved every view and, past a few pages, faulted in fresh memory.
  void Reserve(std::size_t count) {
    messages_.reserve(count);
    views_.reserve(count);
  }

 private:
  std::vector<rd_kafka_message_t*> messages_;
  std::vector<KafkaRecordView> views_;
};

class KafkaConsumer final : public Consumer {
 public:
  KafkaConsumer(std::vector<std::string> topics, std::string bootstrap)
      : topics_(std::move(topics)), bootstrap_(std::move(bootstrap)) {}
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;
  ~KafkaConsumer() override { (void)Close(); }

  // Takes ownership of the client created with this object as its callback opaque.
  void Attach(rd_kafka_t* handle) {
    handle_ = handle;
    queues_.Open(handle_);
    nudger_.Start(handle_);
  }

  Status Subscribe(RebalanceListener* listener) override {
    listener_ = listener;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size())));
    for (const std::string& topic : topics_) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    return kafka::FromKafkaError(rd_kafka_subscribe(handle_, list.get()), "subscribe");
  }

  // Each assigned partition has a queue of its own (partition_queues.h says why). The consumer
  // queue still carries the events (rebalances, errors) and is polled every time, so
  // max.poll.interval.ms is served.
  Result<std::unique_ptr<RecordBatch>> Poll(std::chrono::milliseconds timeout,
                                            std::size_t max_records) override {
    auto batch = std::make_unique<KafkaRecordBatch>();
    const Clock::time_point deadline = Clock::now() + timeout;
    for (bool waited = false;; waited = true) {
      FANOUT_RETURN_IF_ERROR(Drain(*batch, max_records));
      if (batch->size() > 0 || waited) break;
      const auto remaining =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (remaining <= 0) break;
      queues_.Wait(static_cast<int>(std::min<std::int64_t>(remaining, 60000)));
    }
    return std::unique_ptr<RecordBatch>(std::move(batch));
  }

  Status Commit(const std::vector<PartitionOffset>& offsets) override {
    if (offsets.empty()) return Status();
    PartitionListPtr list = kafka::ToPartitionList(offsets);
    rd_kafka_resp_err_t err = rd_kafka_commit(handle_, list.get(), /*async=*/0);
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status();
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < list->cnt; ++i) {
        if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          return kafka::FromKafkaError(list->elems[i].err,
                                       "commit " + std::string(list->elems[i].topic) + "[" +
                                           std::to_string(list->elems[i].partition) + "]");
        }
      }
    }
    return kafka::FromKafkaError(err, "commit");
  }

  std::int64_t LagRecords() override {
    if (handle_ == nullptr) return 0;
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(handle_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    PartitionListPtr assignment(raw);
    if (rd_kafka_position(handle_, assignment.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    std::int64_t lag = 0;
    for (int i = 0; i < assignment->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = assignment->elems[i];
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (rd_kafka_get_watermark_offsets(handle_, tp.topic, tp.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      std::int64_t position = tp.offset >= 0 ? tp.offset : low;
      if (high > position) lag += high - position;
    }
    return lag;
  }

  std::vector<PartitionPosition> Positions() override {
    std::vector<PartitionPosition> out;
    if (handle_ == nullptr) return out;
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(handle_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    PartitionListPtr assignment(raw);
    if (rd_kafka_position(handle_, assignment.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    const auto now = Clock::now();
    for (int i = 0; i < assignment->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = assignment->elems[i];
      PartitionPosition p{TopicPartition{tp.topic, tp.partition}, tp.offset >= 0 ? tp.offset : -1,
                          -1};
      std::int64_t low = 0;
      std::int64_t high = -1;
      if (rd_kafka_get_watermark_offsets(handle_, tp.topic, tp.partition, &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        high = -1;
      }
      // A paused partition fetches nothing, so the cached watermark stops moving: ask the
      // broker now and then (bounded, this is the consume loop's thread).
      if (paused_.contains(p.tp)) {
        auto [it, fresh] = paused_high_.try_emplace(p.tp, PausedHigh{});
        if (fresh || now - it->second.asked >= std::chrono::seconds(5)) {
          it->second.asked = now;
          std::int64_t queried_low = 0;
          std::int64_t queried_high = -1;
          if (rd_kafka_query_watermark_offsets(handle_, tp.topic, tp.partition, &queried_low,
                                               &queried_high, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            it->second.high = queried_high;
          }
        }
        high = std::max(high, it->second.high);
      }
      p.high_watermark = high;
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<std::vector<PartitionOffset>> Committed(
      const std::vector<TopicPartition>& partitions) override {
    if (handle_ == nullptr) return FailedPrecondition("consumer is closed");
    if (partitions.empty()) return std::vector<PartitionOffset>();
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const TopicPartition& tp : partitions) {
      rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    }
    FANOUT_RETURN_IF_ERROR(kafka::FromKafkaError(
        rd_kafka_committed(handle_, list.get(), kCommittedTimeoutMs), "read committed offsets"));
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return kafka::FromKafkaError(
            list->elems[i].err, "read committed offset of " + std::string(list->elems[i].topic));
      }
    }
    std::vector<PartitionOffset> committed = kafka::FromPartitionList(list.get());
    for (PartitionOffset& po : committed) {
      if (po.offset < 0) po.offset = -1;
    }
    return committed;
  }

  Status RewindToCommitted() override {
    if (handle_ == nullptr) return FailedPrecondition("consumer is closed");
    rd_kafka_topic_partition_list_t* raw = nullptr;
    FANOUT_RETURN_IF_ERROR(kafka::FromKafkaError(rd_kafka_assignment(handle_, &raw), "assignment"));
    PartitionListPtr partitions(raw);
    if (partitions->cnt == 0) return Status();
    FANOUT_RETURN_IF_ERROR(
        kafka::FromKafkaError(rd_kafka_committed(handle_, partitions.get(), kCommittedTimeoutMs),
                              "read committed offsets"));
    for (int i = 0; i < partitions->cnt; ++i) {
      if (partitions->elems[i].offset < 0) partitions->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_error_t* error = rd_kafka_seek_partitions(handle_, partitions.get(), kSeekTimeoutMs);
    if (error != nullptr) {
      Status status = Unavailable(std::string("rewind: ") + rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
      return status;
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      if (partitions->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return kafka::FromKafkaError(partitions->elems[i].err,
                                     "rewind " + std::string(partitions->elems[i].topic));
      }
      spdlog::info("kafka: rewound {}[{}] to offset {}", partitions->elems[i].topic,
                   partitions->elems[i].partition, partitions->elems[i].offset);
    }
    return Status();
  }

  rd_kafka_t* handle() const { return handle_; }

  // Below this much queued, a partition is refetched (half of queued.max.messages.kbytes, the
  // bound over which librdkafka stops fetching it).
  void SetLowWater(std::size_t bytes) { queues_.set_low_water_bytes(bytes); }

  Status Pause(const std::vector<TopicPartition>& partitions) override {
    return PauseOrResume(partitions, /*pause=*/true);
  }
  Status Resume(const std::vector<TopicPartition>& partitions) override {
    return PauseOrResume(partitions, /*pause=*/false);
  }

  void Wake() override { queues_.Wake(); }

  Status Close() override {
    if (handle_ == nullptr) return Status();
    nudger_.Stop();
    queues_.Release();  // librdkafka wants the application's queue references gone first
    Status status = kafka::FromKafkaError(rd_kafka_consumer_close(handle_), "leave group");
    rd_kafka_destroy(handle_);
    handle_ = nullptr;
    queues_.Close();
    return status;
  }

  // librdkafka's rebalance callback; runs inside Poll()/Close() on the caller's thread.
  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    const bool cooperative =
        std::string_view(rd_kafka_rebalance_protocol(handle_)) == "COOPERATIVE";
    std::vector<TopicPartition> list = ToPartitions(partitions);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      spdlog::info("kafka: assigned {}", list.empty() ? "nothing" : Join(list));
      if (listener_) listener_->OnAssigned(list);
      // Split before assigning when librdkafka already knows the partition, so that no record
      // reaches the consumer queue first (Drain copes when some do).
      std::vector<TopicPartition> unsplit;
      for (const TopicPartition& tp : list) {
        if (!queues_.Split(tp)) unsplit.push_back(tp);
      }
      rd_kafka_error_t* error = nullptr;
      if (cooperative) {
        error = rd_kafka_incremental_assign(handle_, partitions);
      } else {
        rd_kafka_assign(handle_, partitions);
      }
      if (error) {
        spdlog::error("kafka: assign failed: {}", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
      for (const TopicPartition& tp : unsplit) {
        if (!queues_.Split(tp)) spdlog::debug("kafka: {} keeps the shared queue", ToString(tp));
      }
      return;
    }
    const bool lost = rd_kafka_assignment_lost(handle_) != 0;
    spdlog::info("kafka: {} {}", lost ? "lost" : "revoked", list.empty() ? "nothing" : Join(list));
    if (listener_) listener_->OnRevoked(list, lost);
    for (const TopicPartition& tp : list) {
      paused_.erase(tp);  // a partition assigned again starts unpaused
      paused_high_.erase(tp);
    }
    if (cooperative) {
      rd_kafka_error_t* error = rd_kafka_incremental_unassign(handle_, partitions);
      if (error) {
        spdlog::error("kafka: unassign failed: {}", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
    } else {
      rd_kafka_assign(handle_, nullptr);
    }
    queues_.Drop(cooperative ? &list : nullptr);
    nudger_.Forget(cooperative ? &list : nullptr);
  }

  // librdkafka's error callback: connectivity trouble is expected and retried by the client.
  void OnClientError(rd_kafka_resp_err_t err, const char* reason) {
    if (kafka::IsConnectivityError(err)) {
      auto now = Clock::now();
      if (now - last_connectivity_log_ >= std::chrono::seconds(10)) {
        last_connectivity_log_ = now;
        spdlog::warn("kafka: cannot reach {} ({}); retrying", bootstrap_, reason);
      }
      return;
    }
    spdlog::error("kafka: {} ({})", reason, rd_kafka_err2name(err));
  }

 private:
  // Local: a held partition's queue is not read (see Poll); librdkafka keeps fetching into it
  // until its prefetch thresholds, and a resume hands out what is there at once.
  Status PauseOrResume(const std::vector<TopicPartition>& partitions, bool pause) {
    if (handle_ == nullptr || partitions.empty()) return Status();
    spdlog::debug("kafka: {} {}", pause ? "holding back" : "resuming", Join(partitions));
    for (const TopicPartition& tp : partitions) {
      if (pause) {
        paused_.insert(tp);
      } else {
        paused_.erase(tp);
        paused_high_.erase(tp);
      }
    }
    return Status();
  }

  // Takes what is ready, without waiting: the consumer queue first (events, and records
  // fetched before their partition got its own queue, which precede that queue's), then the
  // queues of the partitions not held back, round robin so that a full batch does not always
  // favour the same partition.
  Status Drain(KafkaRecordBatch& batch, std::size_t max_records) {
    queues_.ResetSignal();
    while (batch.size() < max_records) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(handle_, 0);
      if (message == nullptr) break;
      FANOUT_RETURN_IF_ERROR(Accept(batch, message));
    }
    if (batch.size() >= max_records) return Status();
    taken_.clear();
    Result<std::size_t> taken = queues_.Take(paused_, max_records - batch.size(), taken_);
    // A queue running low while its partition has more on the broker: make sure librdkafka
    // fetches it now rather than up to a second later (fetch_nudger.h).
    for (const kafka::PartitionQueues::RunningLow& low : queues_.running_low()) {
      nudger_.Consider(*low.tp, low.next_offset);
    }
    batch.Reserve(batch.size() + taken_.size());
    for (std::size_t m = 0; m < taken_.size(); ++m) {
      Status status = Accept(batch, taken_[m]);
      if (!status.ok()) {
        for (std::size_t rest = m + 1; rest < taken_.size(); ++rest) {
          rd_kafka_message_destroy(taken_[rest]);
        }
        return status;
      }
    }
    return taken.status();
  }

  // Adds a record to `batch`, or handles the error it carries (and destroys it).
  Status Accept(KafkaRecordBatch& batch, rd_kafka_message_t* message) {
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      batch.Add(message);
      return Status();
    }
    Status status = HandleError(message);
    rd_kafka_message_destroy(message);
    return status;
  }

  Status HandleError(const rd_kafka_message_t* message) {
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return Status();
    if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(handle_, reason, sizeof(reason));
      if (fatal == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID) {
        // Never share partitions silently: the older of two members with one identity stops.
        return Internal(
            "another consumer joined the group with this instance's group.instance.id, so two "
            "instances share one identity; give each instance its own client.id (or "
            "kafka.group.instance.id and transactional.id) (" +
            std::string(reason) + ")");
      }
      return Internal(std::string("fatal Kafka client error: ") + rd_kafka_err2name(fatal) + ": " +
                      reason);
    }
    std::string reason = rd_kafka_message_errstr(message);
    if (message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      spdlog::warn("kafka: {} (waiting for the topic to appear)", reason);
      return Status();
    }
    OnClientError(message->err, reason.c_str());
    return Status();
  }

  rd_kafka_t* handle_ = nullptr;
  std::vector<std::string> topics_;
  std::string bootstrap_;
  RebalanceListener* listener_ = nullptr;
  kafka::PartitionQueues queues_;           // the assigned partitions' own queues, and Wake()
  kafka::FetchNudger nudger_;               // refetches what Drain drew low (fetch_nudger.h)
  std::vector<rd_kafka_message_t*> taken_;  // Drain's buffer, reused
  Clock::time_point last_connectivity_log_{};
  // Paused partitions and their last high watermark asked of the broker (Positions()).
  struct PausedHigh {
    Clock::time_point asked{};
    std::int64_t high = -1;
  };
  std::set<TopicPartition> paused_;
  std::map<TopicPartition, PausedHigh> paused_high_;
};

void RebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->Rebalance(err, partitions);
}

void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->OnClientError(static_cast<rd_kafka_resp_err_t>(err), reason);
}

}  // namespace

void kafka::LogCallback(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
  if (level <= 3) {
    spdlog::error("librdkafka {}: {}", facility, message);
  } else if (level == 4) {
    spdlog::warn("librdkafka {}: {}", facility, message);
  } else {
    spdlog::debug("librdkafka {}: {}", facility, message);
  }
}

rd_kafka_t* kafka::HandleOf(Consumer& consumer) {
  auto* kafka_consumer = dynamic_cast<KafkaConsumer*>(&consumer);
  return kafka_consumer == nullptr ? nullptr : kafka_consumer->handle();
}

namespace {

bool HasProperty(const KafkaProperties& properties, std::string_view key) {
  for (const auto& [k, v] : properties) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace

std::vector<PropertyError> ValidateConsumerProperties(const KafkaProperties& properties) {
  std::vector<PropertyError> errors;
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& [key, value] : properties) {
    if (IsManaged(key)) {
      errors.push_back({key, "fanout manages offsets itself; remove '" + key + "'"});
      continue;
    }
    // librdkafka loads (and runs) a plugin library the moment this property is set: a check
    // must not. The consumer and producer load them when fanout runs (docs/OPERATIONS.md).
    if (key == "plugin.library.paths") continue;
    Status status = SetProperty(conf.get(), key, value);
    if (!status.ok()) errors.push_back({key, std::string(status.message())});
  }
  for (std::string_view required : {"bootstrap.servers", "group.id"}) {
    if (!HasProperty(properties, required)) {
      errors.push_back(
          {std::string(required), "required property '" + std::string(required) + "' is missing"});
    }
  }
  return errors;
}

std::vector<PropertyError> ValidateProducerProperties(const KafkaProperties& properties) {
  std::vector<PropertyError> errors;
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& [key, value] : properties) {
    if (key == "plugin.library.paths") continue;  // setting it loads and runs the library
    Status status = SetProperty(conf.get(), key, value);
    if (!status.ok()) errors.push_back({key, std::string(status.message())});
  }
  return errors;
}

Result<std::map<std::int32_t, std::int64_t>> ReadCommittedOffsets(
    const KafkaProperties& properties, const std::string& group, const std::string& topic,
    std::chrono::milliseconds timeout) {
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& [key, value] : properties) {
    if (key == "group.id" || key == "group.instance.id" || IsManaged(key)) continue;
    FANOUT_RETURN_IF_ERROR(SetProperty(conf.get(), key, value).WithContext("kafka." + key));
  }
  FANOUT_RETURN_IF_ERROR(SetProperty(conf.get(), "group.id", group));
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogCallback);
  char error[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error));
  if (raw == nullptr) return InvalidArgument(std::string("kafka consumer: ") + error);
  conf.release();
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> handle(raw, rd_kafka_destroy);
  const int timeout_ms = static_cast<int>(timeout.count());
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(handle.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle.get(), 0, rkt, &metadata, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  FANOUT_RETURN_IF_ERROR(kafka::FromKafkaError(err, "metadata of " + topic));
  PartitionListPtr partitions(rd_kafka_topic_partition_list_new(0));
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    if (metadata->topics[t].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Status status = NotFound("topic " + topic + ": " + rd_kafka_err2str(metadata->topics[t].err));
      rd_kafka_metadata_destroy(metadata);
      return status;
    }
    for (int p = 0; p < metadata->topics[t].partition_cnt; ++p) {
      rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(),
                                        metadata->topics[t].partitions[p].id);
    }
  }
  rd_kafka_metadata_destroy(metadata);
  FANOUT_RETURN_IF_ERROR(
      kafka::FromKafkaError(rd_kafka_committed(handle.get(), partitions.get(), timeout_ms),
                            "committed offsets of " + group));
  std::map<std::int32_t, std::int64_t> out;
  for (int i = 0; i < partitions->cnt; ++i) {
    if (partitions->elems[i].offset >= 0)
      out[partitions->elems[i].partition] = partitions->elems[i].offset;
  }
  return out;
}

Result<std::unique_ptr<Consumer>> CreateKafkaConsumer(const ConsumerConfig& config) {
  std::vector<PropertyError> errors = ValidateConsumerProperties(config.properties);
  if (!errors.empty()) {
    return InvalidArgument("kafka." + errors.front().property + ": " + errors.front().message);
  }
  if (config.topics.empty()) return InvalidArgument("no topics to subscribe to");
  ConfPtr conf(rd_kafka_conf_new());
  KafkaProperties effective = {
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"auto.offset.reset", "earliest"},
      // Debezium creates a topic on a table's first change; a ^regex subscription only sees it
      // at the next metadata refresh (librdkafka's default: 5 minutes).
      {"topic.metadata.refresh.interval.ms", "10000"},
      // The prefetch, per assigned partition (each has a queue of its own): up to
      // queued.max.messages.kbytes, plus the last fetch's records decompressed — at most
      // max.partition.fetch.bytes on the wire, many times that once decompressed (about 90x for
      // the backlog benchmark's rows). librdkafka 2.0 leaves a partition over these bounds
      // unfetched until its broker thread wakes up, up to a second later; FetchNudger wakes it
      // once the queue is below half of it, so a small queue keeps up (docs/BENCHMARKS.md,
      // "Memory under a backlog").
      {"queued.min.messages", "1000000"},
      {"queued.max.messages.kbytes", "4096"},
      {"max.partition.fetch.bytes", "131072"},
  };
  for (const auto& property : config.properties) effective.push_back(property);
  effective.push_back({"enable.auto.commit", "false"});
  effective.push_back({"enable.auto.offset.store", "false"});
  effective.push_back({"enable.partition.eof", "false"});
  std::string bootstrap;
  std::int64_t queued_kbytes = 0;
  for (const auto& [key, value] : effective) {
    FANOUT_RETURN_IF_ERROR(SetProperty(conf.get(), key, value).WithContext("kafka." + key));
    if (key == "bootstrap.servers") bootstrap = value;
    if (key == "queued.max.messages.kbytes") {
      // librdkafka accepted it, so it is a number in range.
      std::from_chars(value.data(), value.data() + value.size(), queued_kbytes);
    }
  }
  // The consumer object must exist before librdkafka can call back into it.
  auto consumer = std::make_unique<KafkaConsumer>(config.topics, bootstrap);
  consumer->SetLowWater(static_cast<std::size_t>(queued_kbytes) * 1024 / 2);
  rd_kafka_conf_set_opaque(conf.get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), RebalanceCallback);
  rd_kafka_conf_set_error_cb(conf.get(), ErrorCallback);
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogCallback);
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error));
  if (handle == nullptr) return InvalidArgument(std::string("kafka consumer: ") + error);
  conf.release();  // rd_kafka_new took ownership
  rd_kafka_poll_set_consumer(handle);
  consumer->Attach(handle);
  return std::unique_ptr<Consumer>(std::move(consumer));
}

}  // namespace fanout
