#include "processor/kafka/rejected_records.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>

namespace fanout {
namespace {

using Verdict = RejectedRecords::Verdict;

const RecordOrigin kFirst{"inventory.public.orders", 0, 41};
const RecordOrigin kSecond{"inventory.public.orders", 0, 42};

Verdict Check(const RejectedRecords& rejected, const RecordOrigin& origin,
              std::string_view topic = "orders.out", std::string_view key = "7",
              std::string* reason = nullptr) {
  return rejected.Check(origin, topic, key, reason);
}

TEST(RejectedRecordsTest, NothingRefusedMeansProduce) {
  RejectedRecords rejected;
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(Check(rejected, kFirst), Verdict::kProduce);
}

TEST(RejectedRecordsTest, ARefusalInABatchOnlyMakesASuspect) {
  RejectedRecords rejected;
  const std::uintptr_t first = rejected.Track(kFirst, /*isolated=*/false);
  const std::uintptr_t second = rejected.Track(kSecond, false);
  EXPECT_NE(first, 0u);
  EXPECT_NE(first, second);
  // The broker refused the whole batch: both get the error.
  rejected.OnRejected(first, "orders.out", "7", "Broker: Message size too large");
  rejected.OnRejected(second, "orders.out", "7", "Broker: Message size too large");
  rejected.EndAttempt();
  EXPECT_EQ(Check(rejected, kFirst), Verdict::kIsolate);
  EXPECT_EQ(Check(rejected, kSecond), Verdict::kIsolate);

  // Alone, the first is refused again (the culprit); the second goes through (innocent).
  const std::uintptr_t first_alone = rejected.Track(kFirst, /*isolated=*/true);
  rejected.OnRejected(first_alone, "orders.out", "7", "Broker: Message size too large");
  const std::uintptr_t second_alone = rejected.Track(kSecond, true);
  EXPECT_TRUE(rejected.OnDelivered(second_alone, "orders.out", "7")) << "acquitted";
  std::string reason;
  EXPECT_EQ(Check(rejected, kFirst, "orders.out", "7", &reason), Verdict::kDeadLetter);
  EXPECT_EQ(reason, "Broker: Message size too large");
  // Innocent, but it keeps going alone: in a batch again it would be refused again when the
  // batch, not the record, was too large.
  EXPECT_EQ(Check(rejected, kSecond), Verdict::kIsolate);
  rejected.EndAttempt();
  const std::uintptr_t second_again = rejected.Track(kSecond, true);
  EXPECT_FALSE(rejected.OnDelivered(second_again, "orders.out", "7")) << "acquitted once only";
  EXPECT_EQ(Check(rejected, kSecond), Verdict::kIsolate);
}

TEST(RejectedRecordsTest, OtherRecordsOfTheSameOriginAreNotJudgedByTheRefusedOne) {
  RejectedRecords rejected;
  rejected.OnRejected(rejected.Track(kFirst, true), "orders.out", "7", "too large");
  EXPECT_EQ(Check(rejected, kFirst, "orders.out", "7"), Verdict::kDeadLetter);
  // Its dead letter, and another route's record with another topic or key, go through.
  EXPECT_EQ(Check(rejected, kFirst, "fanout.dlq", "7"), Verdict::kProduce);
  EXPECT_EQ(Check(rejected, kFirst, "orders.out", "8"), Verdict::kProduce);
  EXPECT_EQ(rejected.Check(kFirst, "orders.out", std::nullopt, nullptr), Verdict::kProduce);
}

TEST(RejectedRecordsTest, ReportsOfAnEndedAttemptAreIgnored) {
  RejectedRecords rejected;
  const std::uintptr_t stale = rejected.Track(kFirst, true);
  rejected.EndAttempt();
  rejected.OnRejected(stale, "orders.out", "7", "too large");
  EXPECT_TRUE(rejected.empty());
  // The next attempt's tags do not collide with the ended one's.
  EXPECT_NE(rejected.Track(kFirst, true), stale);
}

TEST(RejectedRecordsTest, ForgetsTheOldestHalfBeyondItsBound) {
  RejectedRecords rejected;
  for (std::int64_t offset = 0; offset <= std::int64_t{RejectedRecords::kMaxRemembered}; ++offset) {
    rejected.OnRejected(rejected.Track({"t", 0, offset}, true), "out", "k", "too large");
  }
  EXPECT_EQ(Check(rejected, {"t", 0, 0}, "out", "k"), Verdict::kProduce) << "forgotten";
  EXPECT_EQ(Check(rejected, {"t", 0, std::int64_t{RejectedRecords::kMaxRemembered}}, "out", "k"),
            Verdict::kDeadLetter);
}

TEST(RejectedRecordsTest, OnlyRecordLevelErrorsCondemnARecord) {
  EXPECT_TRUE(IsRecordLevelError(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
  EXPECT_TRUE(IsRecordLevelError(RD_KAFKA_RESP_ERR_INVALID_RECORD));
  EXPECT_TRUE(IsRecordLevelError(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE));
  EXPECT_FALSE(IsRecordLevelError(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
  EXPECT_FALSE(IsRecordLevelError(RD_KAFKA_RESP_ERR__PURGE_QUEUE));
  EXPECT_FALSE(IsRecordLevelError(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION));
  EXPECT_FALSE(IsRecordLevelError(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
}

}  // namespace
}  // namespace fanout
