// FetchNudger: when a nudge is wanted, and that a small prefetch queue keeps up on one partition
// (librdkafka 2.0 would otherwise refetch an emptied queue only up to a second later).
#include "processor/kafka/fetch_nudger.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>

#include "processor/kafka/consumer.h"
#include "tests/support/mock_kafka.h"

namespace fanout::kafka {
namespace {

using Clock = FetchNudger::Clock;
using std::chrono::milliseconds;

TEST(FetchNudgerTest, WantedOnlyWithRecordsLeftOnTheBrokerAndNotTooOften) {
  const Clock::time_point now = Clock::now();
  const Clock::time_point never{};
  EXPECT_TRUE(FetchNudger::Wanted(10, 20, never, now)) << "behind the high watermark";
  EXPECT_TRUE(FetchNudger::Wanted(-1, 20, never, now)) << "nothing read yet, records waiting";
  EXPECT_FALSE(FetchNudger::Wanted(20, 20, never, now)) << "caught up: a fetch waits already";
  EXPECT_FALSE(FetchNudger::Wanted(10, -1, never, now)) << "no watermark yet: first fetch";
  EXPECT_FALSE(FetchNudger::Wanted(10, 20, now - milliseconds(1), now)) << "nudged just now";
  EXPECT_TRUE(FetchNudger::Wanted(10, 20, now - FetchNudger::kMinInterval, now));
}

// Records in many small batches and a prefetch queue that one batch overfills: each fetch puts
// the partition over queued.min.messages, so without a nudge every batch after the first would
// wait for the broker thread's next wake-up, up to a second each.
TEST(FetchNudgerTest, ASmallPrefetchQueueIsRefetchedAsSoonAsItIsEmptied) {
  testing::MockKafkaCluster cluster;
  ASSERT_TRUE(cluster.ok());
  ASSERT_TRUE(cluster.CreateTopic("in", 1));
  constexpr int kBatches = 40;
  constexpr int kPerBatch = 5;
  char error[256];
  rd_kafka_conf_t* producer_conf = rd_kafka_conf_new();
  for (const auto& [key, value] :
       {std::pair<const char*, std::string>{"bootstrap.servers", cluster.bootstrap()},
        {"batch.num.messages", std::to_string(kPerBatch)},
        {"linger.ms", "1"}}) {
    ASSERT_EQ(rd_kafka_conf_set(producer_conf, key, value.c_str(), error, sizeof(error)),
              RD_KAFKA_CONF_OK)
        << error;
  }
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, producer_conf, error, sizeof(error));
  ASSERT_NE(producer, nullptr) << error;
  for (int i = 0; i < kBatches * kPerBatch; ++i) {
    const std::string value = "v" + std::to_string(i);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // librdkafka's RD_KAFKA_V_* macros
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("in"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
#pragma GCC diagnostic pop
  }
  ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);

  auto consumer = CreateKafkaConsumer(ConsumerConfig{{{"bootstrap.servers", cluster.bootstrap()},
                                                      {"group.id", "nudge"},
                                                      {"log_level", "3"},
                                                      {"queued.min.messages", "1"}},
                                                     {"in"}});
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  testing::NoRebalanceListener listener;
  ASSERT_TRUE((*consumer)->Subscribe(&listener).ok());
  int seen = 0;
  Clock::time_point first{};
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  while (seen < kBatches * kPerBatch && Clock::now() < deadline) {
    auto batch = (*consumer)->Poll(milliseconds(200), 100);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (seen == 0 && !(*batch)->records().empty()) first = Clock::now();
    seen += static_cast<int>((*batch)->records().size());
  }
  ASSERT_EQ(seen, kBatches * kPerBatch);
  // Unnudged, the batches after the first arrive about a second apart: measured 35.9 s with the
  // nudge taken out, 3.6 s with it (on a loaded 2-core machine).
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - first);
  EXPECT_LT(elapsed, std::chrono::seconds(15)) << elapsed.count() << " ms";
  ASSERT_TRUE((*consumer)->Close().ok());
}

}  // namespace
}  // namespace fanout::kafka
