// Consumer::Pause holds a partition back without losing or repeating anything: while paused,
// Poll hands out the other partitions' records only; after Resume the paused partition goes on
// at the next offset. Against librdkafka's in-process mock cluster.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "processor/kafka/consumer.h"
#include "tests/support/mock_kafka.h"

namespace fanout {
namespace {

using testing::MockKafkaCluster;
using testing::NoRebalanceListener;

constexpr int kPerPartition = 300;

// Offsets seen per partition, in the order Poll handed them out.
using Seen = std::map<std::int32_t, std::vector<std::int64_t>>;

void PollInto(Consumer& consumer, Seen& seen, std::chrono::milliseconds timeout) {
  auto batch = consumer.Poll(timeout, 50);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  for (const KafkaRecordView& record : (*batch)->records()) {
    seen[record.partition].push_back(record.offset);
  }
}

TEST(ConsumerPauseTest, PauseHoldsAPartitionBackAndResumeGoesOnWithoutGapsOrRepeats) {
  MockKafkaCluster cluster;
  ASSERT_TRUE(cluster.ok());
  ASSERT_TRUE(cluster.CreateTopic("in", 2));
  // The host's own producer writes to its mock cluster.
  char error[256];
  rd_kafka_conf_t* producer_conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(producer_conf, "bootstrap.servers", cluster.bootstrap().c_str(),
                              error, sizeof(error)),
            RD_KAFKA_CONF_OK);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, producer_conf, error, sizeof(error));
  ASSERT_NE(producer, nullptr) << error;
  for (int i = 0; i < kPerPartition; ++i) {
    for (std::int32_t partition : {0, 1}) {
      const std::string value = "v" + std::to_string(i);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // librdkafka's RD_KAFKA_V_* macros
      ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("in"), RD_KAFKA_V_PARTITION(partition),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
#pragma GCC diagnostic pop
    }
  }
  ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  {
    auto consumer = CreateKafkaConsumer(ConsumerConfig{
        {{"bootstrap.servers", cluster.bootstrap()}, {"group.id", "pause"}, {"log_level", "3"}},
        {"in"}});
    ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
    NoRebalanceListener listener;
    ASSERT_TRUE((*consumer)->Subscribe(&listener).ok());
    Seen seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (seen[0].empty() && std::chrono::steady_clock::now() < deadline) {
      PollInto(**consumer, seen, std::chrono::milliseconds(200));
    }
    ASSERT_FALSE(seen[0].empty()) << "partition 0 never delivered";
    ASSERT_LT(seen[0].size(), static_cast<std::size_t>(kPerPartition)) << "too fast to pause";

    const TopicPartition p0{"in", 0};
    ASSERT_TRUE((*consumer)->Pause({p0}).ok());
    const std::size_t before_pause = seen[0].size();
    while (seen[1].size() < static_cast<std::size_t>(kPerPartition) &&
           std::chrono::steady_clock::now() < deadline) {
      PollInto(**consumer, seen, std::chrono::milliseconds(200));
    }
    EXPECT_EQ(seen[1].size(), static_cast<std::size_t>(kPerPartition))
        << "the other partition goes on while one is paused";
    for (int i = 0; i < 5; ++i) PollInto(**consumer, seen, std::chrono::milliseconds(50));
    EXPECT_EQ(seen[0].size(), before_pause) << "a paused partition hands out nothing";

    ASSERT_TRUE((*consumer)->Resume({p0}).ok());
    while (seen[0].size() < static_cast<std::size_t>(kPerPartition) &&
           std::chrono::steady_clock::now() < deadline) {
      PollInto(**consumer, seen, std::chrono::milliseconds(200));
    }
    for (std::int32_t partition : {0, 1}) {
      ASSERT_EQ(seen[partition].size(), static_cast<std::size_t>(kPerPartition)) << partition;
      for (int i = 0; i < kPerPartition; ++i) {
        ASSERT_EQ(seen[partition][static_cast<std::size_t>(i)], i)
            << "partition " << partition << ": every offset once, in order";
      }
    }
    ASSERT_TRUE((*consumer)->Close().ok());
  }
}

}  // namespace
}  // namespace fanout
