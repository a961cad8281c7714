// The transactional path on the real librdkafka client, against librdkafka's in-process mock
// cluster (no servers): an injected abortable transaction error must lead to abort + rewind and
// the work being done again. Fencing is not testable here: the 2.0.2 mock does not fence an
// older producer when a newer one with the same transactional.id initialises. The mock
// acknowledges TxnOffsetCommit without storing the offsets
// (librdkafka 2.0.2, rdkafka_mock_handlers.c), so committed offsets are asserted on the real
// broker instead (tests/integration/exactly_once_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <memory>
#include <string>

#include "processor/delivery/consume_loop.h"
#include "processor/delivery/offset_committer.h"
#include "processor/kafka/consumer.h"
#include "processor/kafka/producer.h"

namespace fanout {
namespace {

// Kafka protocol API keys (librdkafka's rdkafka_protocol.h is not installed).
constexpr int16_t kAddOffsetsToTxn = 25;
constexpr int kInputRecords = 20;

// Copies every input record to "out" inside the open transaction. Stops the loop at the last
// input record once more than `min_handled` records were handled (so a replay happened when
// min_handled is the input size).
class CopyHandler final : public RecordHandler {
 public:
  CopyHandler(Producer* producer, std::atomic<bool>* stop, int min_handled)
      : producer_(producer), stop_(stop), min_handled_(min_handled) {}
  int handled = 0;
  Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& /*context*/) override {
    OutgoingRecord out{
        "out", std::string(record.key.value_or("")), std::string(record.value.value_or("")), {}};
    FANOUT_RETURN_IF_ERROR(producer_->Produce(out));
    ++handled;
    if (record.offset == kInputRecords - 1 && handled > min_handled_) stop_->store(true);
    return Handled::kFinished;
  }

 private:
  Producer* producer_;
  std::atomic<bool>* stop_;
  int min_handled_;
};

class TransactionsMockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    ASSERT_NE(host_, nullptr) << error;
    cluster_ = rd_kafka_mock_cluster_new(host_, 1);
    ASSERT_NE(cluster_, nullptr);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, "in", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, "out", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ProduceInput();
  }

  void TearDown() override {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (host_ != nullptr) rd_kafka_destroy(host_);
  }

  void ProduceInput() {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), error, sizeof(error));
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    ASSERT_NE(producer, nullptr) << error;
    for (int i = 0; i < kInputRecords; ++i) {
      std::string key = "k" + std::to_string(i);
      std::string value = "v" + std::to_string(i);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // librdkafka's RD_KAFKA_V_* macros
      ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("in"),
                                  RD_KAFKA_V_KEY(key.data(), key.size()),
                                  RD_KAFKA_V_VALUE(value.data(), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
#pragma GCC diagnostic pop
    }
    ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }

  ConsumerConfig Consumer() const {
    return ConsumerConfig{{{"bootstrap.servers", bootstrap_},
                           {"group.id", "g"},
                           {"session.timeout.ms", "6000"},
                           {"log_level", "3"}},
                          {"in"}};
  }

  ProducerConfig Producer(const std::string& id) const {
    ProducerConfig config;
    config.properties = {{"bootstrap.servers", bootstrap_}, {"log_level", "3"}};
    config.transactional_id = id;
    return config;
  }

  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

TEST_F(TransactionsMockTest, AbortableErrorAbortsRewindsAndRedoesTheWork) {
  auto consumer = CreateKafkaConsumer(Consumer());
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  auto producer = CreateTransactionalProducer(**consumer, Producer("txn-abort"));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  // The first attempt to add offsets to a transaction fails in a way that requires an abort.
  rd_kafka_mock_push_request_errors(cluster_, kAddOffsetsToTxn, 1,
                                    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED);
  std::atomic<bool> stop{false};
  // Stops at the last record once part of the input was done twice: before and after the abort.
  CopyHandler handler(producer->get(), &stop, kInputRecords);
  TransactionalOffsetCommitter committer(**producer);
  ConsumeLoopOptions options;
  options.commit_interval = std::chrono::milliseconds(0);
  options.max_batch = kInputRecords;
  ConsumeLoop loop(**consumer, handler, committer, options);
  Status status = loop.Run(stop);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(loop.aborts(), 1);
  EXPECT_GT(handler.handled, kInputRecords) << "the aborted work was read and done again";
}

}  // namespace
}  // namespace fanout
