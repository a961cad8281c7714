// The librdkafka implementation of Producer, after librdkafka's examples/transactions.c.
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "processor/kafka/kafka_errors.h"
#include "processor/kafka/kafka_internal.h"
#include "processor/kafka/producer.h"
#include "processor/kafka/rejected_records.h"

namespace fanout {
namespace {

constexpr int kTransactionTimeoutMs = 60000;  // config::kTransactionTimeout checks against it
constexpr int kFlushTimeoutMs = 60000;
constexpr int kRetriableAttempts = 5;
// One transactional call may wait this long; a timeout is retriable (then Aborted), so a
// coordinator that stops answering cannot hang fanout.
constexpr int kCallTimeoutMs = 10000;

// Consumer-only properties of the shared `kafka:` section; a producer would warn about each.
constexpr std::array<std::string_view, 14> kConsumerOnly = {
    "group.id",           "group.instance.id",       "partition.assignment.strategy",
    "session.timeout.ms", "heartbeat.interval.ms",   "max.poll.interval.ms",
    "auto.offset.reset",  "isolation.level",         "fetch.min.bytes",
    "fetch.max.bytes",    "fetch.wait.max.ms",       "max.partition.fetch.bytes",
    "enable.auto.commit", "enable.auto.offset.store"};

bool IsConsumerOnly(std::string_view key) {
  for (std::string_view name : kConsumerOnly) {
    if (key == name) return true;
  }
  return false;
}

// Turns an rd_kafka_error_t (owned, destroyed here) into the Producer contract's codes.
Status FromTxnError(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return Status();
  std::string message = std::string(what) + ": " + rd_kafka_error_string(error);
  Status status;
  if (rd_kafka_error_is_fatal(error)) {
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
        code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH) {
      message +=
          " (a newer instance with the same transactional.id started: if this one was not "
          "meant to stop, two instances share one identity; give each its own client.id)";
    }
    status = Internal(message);
  } else if (rd_kafka_error_txn_requires_abort(error)) {
    status = Status(StatusCode::kAborted, message);
  } else if (rd_kafka_error_is_retriable(error)) {
    status = Unavailable(message);
  } else {
    status = Internal(message);  // neither retriable, abortable nor fatal: treat as fatal
  }
  rd_kafka_error_destroy(error);
  return status;
}

// Retries a transactional call while it fails retriably (a timeout, a coordinator moving).
template <typename Call>
Status RetryTxnCall(Call call, std::string_view what) {
  Status status;
  for (int attempt = 1; attempt <= kRetriableAttempts; ++attempt) {
    status = FromTxnError(call(), what);
    if (status.code() != StatusCode::kUnavailable) return status;
    spdlog::warn("kafka producer: {} (attempt {}/{})", status.message(), attempt,
                 kRetriableAttempts);
  }
  return status.code() == StatusCode::kUnavailable
             ? Status(StatusCode::kAborted, std::string(status.message()))
             : status;
}

class KafkaProducer final : public Producer {
 public:
  // `self` is the box the delivery callback finds this producer through; it is freed with the
  // producer, after the client (and with it every callback) is gone.
  KafkaProducer(rd_kafka_t* handle, rd_kafka_t* consumer, bool transactional,
                std::unique_ptr<KafkaProducer*> self)
      : handle_(handle),
        consumer_(consumer),
        transactional_(transactional),
        self_(std::move(self)) {
    *self_ = this;
  }
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;
  ~KafkaProducer() override {
    if (transactional_ && in_transaction_) (void)Abort();
    rd_kafka_flush(handle_, kFlushTimeoutMs);
    rd_kafka_destroy(handle_);
  }

  bool transactional() const override { return transactional_; }

  Status BeginTransaction() override {
    if (!transactional_) return Status();
    FANOUT_RETURN_IF_ERROR(FromTxnError(rd_kafka_begin_transaction(handle_), "begin transaction"));
    in_transaction_ = true;
    return Status();
  }

  Status Produce(const OutgoingRecord& record) override {
    std::string refusal;
    const std::optional<std::string_view> key =
        record.key ? std::optional<std::string_view>(*record.key) : std::nullopt;
    const RejectedRecords::Verdict verdict =
        record.origin ? rejected_.Check(*record.origin, record.topic, key, &refusal)
                      : RejectedRecords::Verdict::kProduce;
    if (verdict == RejectedRecords::Verdict::kDeadLetter) {
      return InvalidArgument("produce to " + record.topic + ": the broker refused it: " + refusal);
    }
    const bool isolate = verdict == RejectedRecords::Verdict::kIsolate;
    // A suspect goes alone: nothing queued before it shares its batch, nothing after it either.
    if (isolate) rd_kafka_flush(handle_, kFlushTimeoutMs);
    void* tag =
        record.origin ? reinterpret_cast<void*>(rejected_.Track(*record.origin, isolate)) : nullptr;
    FANOUT_RETURN_IF_ERROR(Enqueue(record, tag));
    if (!isolate) return Status();
    rd_kafka_flush(handle_, kFlushTimeoutMs);
    if (rejected_.Check(*record.origin, record.topic, key, &refusal) ==
        RejectedRecords::Verdict::kDeadLetter) {
      return Status(StatusCode::kAborted,
                    "produce to " + record.topic + ": the broker refused it: " + refusal +
                        "; it goes to the dead-letter topic when processed again");
    }
    return Status();
  }

  Status Enqueue(const OutgoingRecord& record, void* tag) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
    for (const auto& [name, value] : record.headers) {
      rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    const char* topic = record.topic.c_str();
    const void* key = record.key ? record.key->data() : nullptr;
    const std::size_t key_size = record.key ? record.key->size() : 0;
    void* value = record.value ? const_cast<char*>(record.value->data()) : nullptr;  // copied
    const std::size_t value_size = record.value ? record.value->size() : 0;
    for (;;) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // librdkafka's RD_KAFKA_V_* macros
      rd_kafka_resp_err_t err = rd_kafka_producev(
          handle_, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_size),
          RD_KAFKA_V_VALUE(value, value_size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(tag), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status();  // librdkafka owns the headers now
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(handle_, 100);  // serve delivery reports to make room
        continue;
      }
      rd_kafka_headers_destroy(headers);
      if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
          err == RD_KAFKA_RESP_ERR__INVALID_ARG) {
        return InvalidArgument("produce to " + record.topic + ": " + rd_kafka_err2str(err));
      }
      if (err == RD_KAFKA_RESP_ERR__STATE) {
        return Status(StatusCode::kAborted,
                      "produce to " + record.topic + ": " + rd_kafka_err2str(err));
      }
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[512];
        rd_kafka_fatal_error(handle_, reason, sizeof(reason));
        return Internal(std::string("producer: ") + reason);
      }
      return Status(StatusCode::kAborted,
                    "produce to " + record.topic + ": " + rd_kafka_err2str(err));
    }
  }

  Status Commit(const std::vector<PartitionOffset>& offsets) override {
    if (!transactional_) {
      rd_kafka_resp_err_t err = rd_kafka_flush(handle_, kFlushTimeoutMs);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status(StatusCode::kAborted, std::string("flush: ") + rd_kafka_err2str(err));
      }
      if (failed_deliveries_ > 0) {
        return Status(StatusCode::kAborted, std::to_string(failed_deliveries_) +
                                                " record(s) could not be delivered (the last: " +
                                                last_delivery_failure_ + ")");
      }
      rejected_.EndAttempt();
      return Status();
    }
    if (!offsets.empty()) {
      kafka::PartitionListPtr list = kafka::ToPartitionList(offsets);
      std::unique_ptr<rd_kafka_consumer_group_metadata_t,
                      decltype(&rd_kafka_consumer_group_metadata_destroy)>
          metadata(rd_kafka_consumer_group_metadata(consumer_),
                   rd_kafka_consumer_group_metadata_destroy);
      FANOUT_RETURN_IF_ERROR(RetryTxnCall(
          [&] {
            return rd_kafka_send_offsets_to_transaction(handle_, list.get(), metadata.get(),
                                                        kCallTimeoutMs);
          },
          "send offsets to transaction"));
    }
    FANOUT_RETURN_IF_ERROR(
        RetryTxnCall([&] { return rd_kafka_commit_transaction(handle_, kCallTimeoutMs); },
                     "commit transaction"));
    in_transaction_ = false;
    rejected_.EndAttempt();
    return Status();
  }

  Status Abort() override {
    if (!transactional_) {
      failed_deliveries_ = 0;
      rejected_.EndAttempt();
      return Status();
    }
    Status status = RetryTxnCall(
        [&] { return rd_kafka_abort_transaction(handle_, kCallTimeoutMs); }, "abort transaction");
    in_transaction_ = false;
    rejected_.EndAttempt();
    return status.code() == StatusCode::kAborted ? Internal(std::string(status.message())) : status;
  }

  static std::optional<std::string_view> KeyOf(const rd_kafka_message_t* message) {
    if (message->key == nullptr) return std::nullopt;
    return std::string_view(static_cast<const char*>(message->key), message->key_len);
  }

  void OnDeliveryFailure(const rd_kafka_message_t* message) {
    ++failed_deliveries_;
    last_delivery_failure_ = rd_kafka_err2str(message->err);
    spdlog::error("kafka producer: delivery to {} failed: {}", rd_kafka_topic_name(message->rkt),
                  rd_kafka_err2str(message->err));
    if (message->_private != nullptr && IsRecordLevelError(message->err)) {
      rejected_.OnRejected(reinterpret_cast<std::uintptr_t>(message->_private),
                           rd_kafka_topic_name(message->rkt), KeyOf(message),
                           rd_kafka_err2str(message->err));
    }
  }

  void OnDelivered(const rd_kafka_message_t* message) {
    if (message->_private != nullptr && !rejected_.empty() &&
        rejected_.OnDelivered(reinterpret_cast<std::uintptr_t>(message->_private),
                              rd_kafka_topic_name(message->rkt), KeyOf(message)) &&
        !warned_batch_too_large_) {
      warned_batch_too_large_ = true;
      spdlog::warn(
          "kafka producer: {} refused a record batch and then accepted its records one by one: "
          "a record of it was refused on its own (it is dead-lettered), or the topic's "
          "max.message.bytes is below the producer's batch size. Records of refused batches now "
          "go alone (slow); if this repeats, set the sink's properties batch.size (and "
          "message.max.bytes) below the topic's max.message.bytes",
          rd_kafka_topic_name(message->rkt));
    }
  }

 private:
  rd_kafka_t* handle_;
  rd_kafka_t* consumer_;  // for the group metadata of offset commits; not owned
  bool transactional_;
  bool in_transaction_ = false;
  std::int64_t failed_deliveries_ = 0;
  std::string last_delivery_failure_;  // why the last failed delivery failed
  bool warned_batch_too_large_ = false;
  RejectedRecords rejected_;
  std::unique_ptr<KafkaProducer*> self_;  // destroyed after the destructor body (and the client)
};

void DeliveryReport(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  // In transactional mode a failed delivery also makes the transaction abortable; librdkafka
  // reports that on commit. Here it is counted for at-least-once mode and logged.
  if (opaque == nullptr) return;
  KafkaProducer* producer = *static_cast<KafkaProducer**>(opaque);
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    producer->OnDeliveryFailure(message);
  } else {
    producer->OnDelivered(message);
  }
}

Result<std::unique_ptr<Producer>> CreateProducer(rd_kafka_t* consumer,
                                                 const ProducerConfig& config) {
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                          rd_kafka_conf_destroy);
  char error[512];
  auto set = [&](const std::string& key, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      return InvalidArgument("kafka." + key + ": " + error);
    }
    return Status();
  };
  FANOUT_RETURN_IF_ERROR(set("enable.idempotence", "true"));
  FANOUT_RETURN_IF_ERROR(set("linger.ms", "5"));
  for (const auto& [key, value] : config.properties) {
    if (!IsConsumerOnly(key)) FANOUT_RETURN_IF_ERROR(set(key, value));
  }
  if (config.transactional_id) {
    FANOUT_RETURN_IF_ERROR(set("transactional.id", *config.transactional_id));
    FANOUT_RETURN_IF_ERROR(set("transaction.timeout.ms", std::to_string(kTransactionTimeoutMs)));
  }
  // The delivery callback needs the producer, which needs the handle: box the pointer.
  auto box = std::make_unique<KafkaProducer*>(nullptr);
  rd_kafka_conf_set_opaque(conf.get(), box.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), DeliveryReport);
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogCallback);
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof(error));
  if (handle == nullptr) return InvalidArgument(std::string("kafka producer: ") + error);
  conf.release();
  auto producer = std::make_unique<KafkaProducer>(
      handle, consumer, config.transactional_id.has_value(), std::move(box));

  if (config.transactional_id) {
    const int timeout_ms = static_cast<int>(config.init_timeout.count());
    FANOUT_RETURN_IF_ERROR(
        FromTxnError(rd_kafka_init_transactions(handle, timeout_ms), "init transactions")
            .WithContext("transactional.id " + *config.transactional_id));
    FANOUT_RETURN_IF_ERROR(producer->BeginTransaction());
  }
  return std::unique_ptr<Producer>(std::move(producer));
}

}  // namespace

Result<std::unique_ptr<Producer>> CreateTransactionalProducer(Consumer& consumer,
                                                              const ProducerConfig& config) {
  rd_kafka_t* consumer_handle = kafka::HandleOf(consumer);
  if (consumer_handle == nullptr) return FailedPrecondition("the consumer is not a Kafka consumer");
  if (!config.transactional_id) return InvalidArgument("a transactional producer needs an id");
  return CreateProducer(consumer_handle, config);
}

Result<std::unique_ptr<Producer>> CreateIdempotentProducer(const ProducerConfig& config) {
  ProducerConfig plain = config;
  plain.transactional_id.reset();
  return CreateProducer(nullptr, plain);
}

}  // namespace fanout
