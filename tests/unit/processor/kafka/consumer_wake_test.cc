// Consumer::Wake interrupts a Poll blocked in another thread: sink results reach the consume
// loop at once instead of after the poll timeout. Against librdkafka's in-process mock cluster.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <future>
#include <thread>

#include "processor/kafka/consumer.h"

namespace fanout {
namespace {

class NoListener final : public RebalanceListener {
 public:
  void OnAssigned(const std::vector<TopicPartition>&) override {}
  void OnRevoked(const std::vector<TopicPartition>&, bool) override {}
};

TEST(ConsumerWakeTest, WakeEndsABlockedPollEarly) {
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  ASSERT_NE(host, nullptr) << error;
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host, 1);
  ASSERT_NE(cluster, nullptr);
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster, "in", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  {
    auto consumer = CreateKafkaConsumer(
        ConsumerConfig{{{"bootstrap.servers", rd_kafka_mock_cluster_bootstraps(cluster)},
                        {"group.id", "wake"},
                        {"log_level", "3"}},
                       {"in"}});
    ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
    NoListener listener;
    ASSERT_TRUE((*consumer)->Subscribe(&listener).ok());
    // An empty topic: without a wake this poll would take its whole 20 s.
    auto started = std::chrono::steady_clock::now();
    std::future<bool> polled = std::async(
        std::launch::async, [&] { return (*consumer)->Poll(std::chrono::seconds(20), 10).ok(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    (*consumer)->Wake();
    ASSERT_EQ(polled.wait_for(std::chrono::seconds(10)), std::future_status::ready)
        << "Poll did not return after Wake";
    EXPECT_TRUE(polled.get());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    ASSERT_TRUE((*consumer)->Close().ok());
    (*consumer)->Wake();  // after Close: harmless
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(host);
}

}  // namespace
}  // namespace fanout
