#include "processor/delivery/consume_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/fakes/fake_consumer.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using testing::FakeConsumer;
using testing::FakeRecord;
using testing::FakeStep;
using ::testing::IsEmpty;

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

// Records what it handled; fails on the offsets it is told to.
class RecordingHandler final : public RecordHandler {
 public:
  std::vector<std::string> handled;
  std::set<std::int64_t> fail_at;

  Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& /*context*/) override {
    if (fail_at.contains(record.offset)) return Internal("handler failed");
    handled.push_back(std::string(record.topic) + "/" + std::to_string(record.partition) + "@" +
                      std::to_string(record.offset));
    return Handled::kFinished;
  }
};

class ConsumeLoopTest : public ::testing::Test {
 protected:
  ConsumeLoopOptions Options() {
    ConsumeLoopOptions options;
    options.commit_interval = std::chrono::hours(1);  // commits only on revoke and at the end
    return options;
  }

  std::atomic<bool> stop_{false};
  FakeConsumer consumer_{&stop_};
  RecordingHandler handler_;
  GroupOffsetCommitter committer_{consumer_};
};

TEST_F(ConsumeLoopTest, HandlesInOrderThenCommitsAndClosesOnStop) {
  consumer_.steps.push_back(FakeStep{
      .assign = {kP0, kP1}, .records = {{"t", 0, 0, "a"}, {"t", 1, 5, "b"}, {"t", 0, 1, "c"}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_TRUE(consumer_.subscribed);
  EXPECT_THAT(handler_.handled, ElementsAre("t/0@0", "t/1@5", "t/0@1"));
  ASSERT_EQ(consumer_.commits.size(), 1u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 2}, PartitionOffset{kP1, 6}));
  EXPECT_TRUE(consumer_.closed);
}

TEST_F(ConsumeLoopTest, HandlerErrorStopsWithoutCommittingTheFailedRecord) {
  handler_.fail_at = {2};
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 1, ""}, {"t", 0, 2, ""}, {"t", 0, 3, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  Status status = loop.Run(stop_);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_THAT(handler_.handled, ElementsAre("t/0@1"));
  ASSERT_EQ(consumer_.commits.size(), 1u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 2})) << "2 must be re-read";
  EXPECT_TRUE(consumer_.closed);
}

TEST_F(ConsumeLoopTest, RevocationCommitsTheRevokedPartitionsAndSkipsTheirLateRecords) {
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0, kP1}, .records = {{"t", 0, 0, ""}, {"t", 1, 0, ""}}});
  consumer_.steps.push_back(
      FakeStep{.revoke = {kP1}, .records = {{"t", 1, 1, ""}, {"t", 0, 1, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_THAT(handler_.handled, ElementsAre("t/0@0", "t/1@0", "t/0@1"));
  ASSERT_EQ(consumer_.commits.size(), 2u);
  // On revocation everything finished is committed (a transaction covers all partitions).
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 1}, PartitionOffset{kP1, 1}));
  EXPECT_THAT(consumer_.commits[1], ElementsAre(PartitionOffset{kP0, 2}));  // at the end
}

TEST_F(ConsumeLoopTest, LostPartitionsAreNotCommittedAndTheRestIsRedone) {
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0, kP1}, .records = {{"t", 0, 0, ""}, {"t", 1, 0, ""}}});
  consumer_.steps.push_back(FakeStep{.revoke = {kP0}, .lost = true});
  consumer_.steps.push_back(FakeStep{});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_THAT(consumer_.commits, IsEmpty());
  EXPECT_EQ(consumer_.rewinds, 1) << "t[1]'s work was in the aborted unit: it is read again";
  EXPECT_EQ(loop.aborts(), 1);
}

// Fails the first `fail_times` commits as an aborted transaction would.
class FlakyCommitter final : public OffsetCommitter {
 public:
  explicit FlakyCommitter(int fail_times) : fail_times_(fail_times) {}
  std::vector<std::vector<PartitionOffset>> committed;
  int aborts = 0;
  Status Commit(const std::vector<PartitionOffset>& offsets) override {
    if (fail_times_ > 0) {
      --fail_times_;
      return Status(StatusCode::kAborted, "transaction aborted");
    }
    committed.push_back(offsets);
    return Status();
  }
  Status Abort() override {
    ++aborts;
    return Status();
  }

 private:
  int fail_times_;
};

TEST_F(ConsumeLoopTest, AbortedCommitAbortsRewindsAndRedoesTheWork) {
  FlakyCommitter committer(1);
  ConsumeLoopOptions options = Options();
  options.commit_interval = std::chrono::milliseconds(0);  // commit after every batch
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}, {"t", 0, 1, ""}}});
  // After the rewind the consumer delivers the same records again.
  consumer_.steps.push_back(FakeStep{.records = {{"t", 0, 0, ""}, {"t", 0, 1, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_EQ(committer.aborts, 1);
  EXPECT_EQ(consumer_.rewinds, 1);
  EXPECT_THAT(handler_.handled, ElementsAre("t/0@0", "t/0@1", "t/0@0", "t/0@1"));
  ASSERT_EQ(committer.committed.size(), 1u);
  EXPECT_THAT(committer.committed[0], ElementsAre(PartitionOffset{kP0, 2}));
}

// Reports Aborted once at the given offset, as a handler whose produce hit a dead transaction.
class AbortingHandler final : public RecordHandler {
 public:
  std::vector<std::int64_t> handled;
  bool aborted = false;
  Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& /*context*/) override {
    if (record.offset == 1 && !aborted) {
      aborted = true;
      return Status(StatusCode::kAborted, "produce: transaction aborted");
    }
    handled.push_back(record.offset);
    return Handled::kFinished;
  }
};

TEST_F(ConsumeLoopTest, HandlerAbortRewindsInsteadOfStopping) {
  AbortingHandler handler;
  FlakyCommitter committer(0);
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}, {"t", 0, 1, ""}}});
  consumer_.steps.push_back(FakeStep{.records = {{"t", 0, 0, ""}, {"t", 0, 1, ""}}});
  ConsumeLoop loop(consumer_, handler, committer, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_EQ(committer.aborts, 1);
  EXPECT_EQ(consumer_.rewinds, 1);
  EXPECT_THAT(handler.handled, ElementsAre(0, 0, 1)) << "0 again after the rewind, then 1";
  ASSERT_EQ(committer.committed.size(), 1u);
  EXPECT_THAT(committer.committed[0], ElementsAre(PartitionOffset{kP0, 2}));
}

TEST_F(ConsumeLoopTest, FatalPollErrorIsReturnedAfterCommittingFinishedWork) {
  consumer_.steps.push_back(FakeStep{.assign = {kP0}, .records = {{"t", 0, 7, ""}}});
  consumer_.steps.push_back(FakeStep{.poll_error = Internal("fatal client error")});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  EXPECT_EQ(loop.Run(stop_).code(), StatusCode::kInternal);
  ASSERT_EQ(consumer_.commits.size(), 1u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 8}));
  EXPECT_TRUE(consumer_.closed);
}

TEST_F(ConsumeLoopTest, LostGenerationOnCommitIsNotFatal) {
  consumer_.commit_error = FailedPrecondition("generation moved on");
  consumer_.steps.push_back(FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  EXPECT_TRUE(loop.Run(stop_).ok());
}

TEST_F(ConsumeLoopTest, OtherCommitErrorsStopTheLoop) {
  consumer_.commit_error = InvalidArgument("not authorized");
  consumer_.steps.push_back(FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  EXPECT_EQ(loop.Run(stop_).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fanout
