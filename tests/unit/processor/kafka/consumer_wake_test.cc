// Consumer::Wake interrupts a Poll blocked in another thread: sink results reach the consume
// loop at once instead of after the poll timeout. Against librdkafka's in-process mock cluster.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "processor/kafka/consumer.h"
#include "tests/support/mock_kafka.h"

namespace fanout {
namespace {

using testing::MockKafkaCluster;
using testing::NoRebalanceListener;

TEST(ConsumerWakeTest, WakeEndsABlockedPollEarly) {
  MockKafkaCluster cluster;
  ASSERT_TRUE(cluster.ok());
  ASSERT_TRUE(cluster.CreateTopic("in", 1));
  {
    auto consumer = CreateKafkaConsumer(ConsumerConfig{
        {{"bootstrap.servers", cluster.bootstrap()}, {"group.id", "wake"}, {"log_level", "3"}},
        {"in"}});
    ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
    NoRebalanceListener listener;
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
}

}  // namespace
}  // namespace fanout
