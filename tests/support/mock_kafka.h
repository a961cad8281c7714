// librdkafka's in-process mock cluster for unit tests of processor/kafka (no broker needed), and a
// rebalance listener that does nothing. Header-only.
#ifndef FANOUT_TESTS_SUPPORT_MOCK_KAFKA_H_
#define FANOUT_TESTS_SUPPORT_MOCK_KAFKA_H_

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>
#include <vector>

#include "processor/kafka/consumer.h"

namespace fanout::testing {

class MockKafkaCluster {
 public:
  MockKafkaCluster() {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    EXPECT_NE(host_, nullptr) << error;
    if (host_ != nullptr) cluster_ = rd_kafka_mock_cluster_new(host_, 1);
    EXPECT_NE(cluster_, nullptr);
  }
  ~MockKafkaCluster() {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (host_ != nullptr) rd_kafka_destroy(host_);
  }
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  bool ok() const { return cluster_ != nullptr; }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  bool CreateTopic(const std::string& topic, int partitions) {
    return rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

class NoRebalanceListener final : public RebalanceListener {
 public:
  void OnAssigned(const std::vector<TopicPartition>&) override {}
  void OnRevoked(const std::vector<TopicPartition>&, bool) override {}
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_MOCK_KAFKA_H_
