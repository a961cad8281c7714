// The consume loop with asynchronous work: records that finish after Handle() returned.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "processor/delivery/consume_loop.h"
#include "tests/fakes/fake_consumer.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using testing::FakeConsumer;
using testing::FakeStep;
using ::testing::IsEmpty;

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

// Pending work the test controls: records stay in flight until a WaitForResults (when
// `finish_on_wait`) or the `finish_on_collect`-th Collect finishes all of them.
class FakePendingWork final : public PendingWork {
 public:
  std::vector<PartitionOffset> in_flight;
  bool finish_on_wait = true;
  int finish_on_collect = -1;
  int collects = 0;
  int abandons = 0;

  Status Collect(Clock::time_point, std::vector<PartitionOffset>* finished) override {
    if (++collects == finish_on_collect) FinishAll(finished);
    finished->insert(finished->end(), ready_.begin(), ready_.end());
    ready_.clear();
    return Status();
  }
  Clock::time_point NextDue() const override { return Clock::time_point::max(); }
  void WaitForResults(Clock::time_point deadline) override {
    if (finish_on_wait) {
      ready_.insert(ready_.end(), in_flight.begin(), in_flight.end());
      in_flight.clear();
    } else {
      std::this_thread::sleep_until(deadline);
    }
  }
  void Abandon(const std::vector<TopicPartition>* partitions) override {
    ++abandons;
    auto gone = [&](const PartitionOffset& po) {
      return partitions == nullptr ||
             std::find(partitions->begin(), partitions->end(), po.tp) != partitions->end();
    };
    std::erase_if(in_flight, gone);
    std::erase_if(ready_, gone);
  }
  std::size_t pending() const override { return in_flight.size() + ready_.size(); }
  std::size_t pending(const TopicPartition& tp) const override {
    auto same = [&](const PartitionOffset& po) { return po.tp == tp; };
    return static_cast<std::size_t>(std::count_if(in_flight.begin(), in_flight.end(), same) +
                                    std::count_if(ready_.begin(), ready_.end(), same));
  }

 private:
  void FinishAll(std::vector<PartitionOffset>* finished) {
    finished->insert(finished->end(), in_flight.begin(), in_flight.end());
    in_flight.clear();
  }
  std::vector<PartitionOffset> ready_;

 public:
  // Held outputs: what BeforeCommit was asked to release, and what was dropped.
  std::vector<std::vector<PartitionOffset>> before_commits;
  int held_drops = 0;
  Status BeforeCommit(const std::vector<PartitionOffset>& offsets) override {
    before_commits.push_back(offsets);
    return Status();
  }
  void DropHeldOutputs(const std::vector<TopicPartition>*) override { ++held_drops; }
};

std::string Through(std::int64_t through) { return KafkaOutputMarks::Encode(through); }

// Records whose value is "p" go to the pending work; the others finish at once.
class AsyncHandler final : public RecordHandler {
 public:
  explicit AsyncHandler(FakePendingWork* work) : work_(work) {}
  Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& context) override {
    if (context.kafka_outputs_committed) outputs_committed.push_back(record.offset);
    if (record.value != "p") return Handled::kFinished;
    work_->in_flight.push_back(PartitionOffset{
        TopicPartition{std::string(record.topic), record.partition}, record.offset});
    return Handled::kPending;
  }
  std::vector<std::int64_t> outputs_committed;  // offsets handled as kafka_outputs_committed

 private:
  FakePendingWork* work_;
};

class ConsumeLoopPendingTest : public ::testing::Test {
 protected:
  ConsumeLoopOptions Options() {
    ConsumeLoopOptions options;
    options.commit_interval = std::chrono::hours(1);
    options.pending_work = &work_;
    options.drain_timeout = std::chrono::milliseconds(200);
    return options;
  }

  std::atomic<bool> stop_{false};
  FakeConsumer consumer_{&stop_};
  FakePendingWork work_;
  AsyncHandler handler_{&work_};
  GroupOffsetCommitter committer_{consumer_};
};

TEST_F(ConsumeLoopPendingTest, PendingRecordHoldsBackTheCommitUntilItsWorkFinishes) {
  ConsumeLoopOptions options = Options();
  options.commit_interval = std::chrono::milliseconds(0);  // commit after every batch
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}, {"t", 0, 1, "p"}, {"t", 0, 2, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  ASSERT_EQ(consumer_.commits.size(), 2u);
  // Not past a hole; the metadata says that the outputs of 0..2 are in the transaction.
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 1, Through(3)}));
  // Stopping drains the pending work, then commits it.
  EXPECT_THAT(consumer_.commits[1], ElementsAre(PartitionOffset{kP0, 3}));
  EXPECT_EQ(work_.before_commits, consumer_.commits) << "held outputs go with each commit";
}

TEST_F(ConsumeLoopPendingTest, WorkUnfinishedAfterTheDrainTimeoutIsLeftToBeReadAgain) {
  work_.finish_on_wait = false;
  ConsumeLoopOptions options = Options();
  options.drain_timeout = std::chrono::milliseconds(20);
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}, {"t", 0, 1, "p"}, {"t", 0, 2, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  ASSERT_EQ(consumer_.commits.size(), 1u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 1, Through(3)}));
  EXPECT_GE(work_.abandons, 1);
  EXPECT_EQ(work_.pending(), 0u);
}

TEST_F(ConsumeLoopPendingTest, PausesOverTheBoundAndResumesOnceDrained) {
  ConsumeLoopOptions options = Options();
  options.max_in_flight = 10;
  options.max_in_flight_per_partition = 2;
  work_.finish_on_collect = 2;
  consumer_.steps.push_back(FakeStep{
      .assign = {kP0, kP1},
      .records = {{"t", 0, 0, "p"}, {"t", 0, 1, "p"}, {"t", 0, 2, "p"}, {"t", 1, 0, "p"}}});
  consumer_.steps.push_back(FakeStep{});
  ConsumeLoop loop(consumer_, handler_, committer_, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_EQ(consumer_.pause_calls, 1) << "t[0] is over its bound of 2, t[1] is not";
  EXPECT_EQ(consumer_.resume_calls, 1);
  EXPECT_THAT(consumer_.paused, IsEmpty());
  ASSERT_EQ(consumer_.commits.size(), 1u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 3}, PartitionOffset{kP1, 1}));
}

TEST_F(ConsumeLoopPendingTest, TotalBoundPausesEveryPartition) {
  ConsumeLoopOptions options = Options();
  options.max_in_flight = 2;
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0, kP1}, .records = {{"t", 0, 0, "p"}, {"t", 1, 0, "p"}}});
  consumer_.steps.push_back(FakeStep{});
  ConsumeLoop loop(consumer_, handler_, committer_, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_EQ(consumer_.pause_calls, 1);
  EXPECT_THAT(consumer_.paused, ElementsAre(kP0, kP1)) << "nothing finished before the stop";
}

TEST_F(ConsumeLoopPendingTest, RevocationDrainsTheRevokedPartitionsThenCommits) {
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0, kP1}, .records = {{"t", 0, 0, ""}, {"t", 1, 0, "p"}}});
  consumer_.steps.push_back(FakeStep{.revoke = {kP1}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  ASSERT_GE(consumer_.commits.size(), 1u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 1}, PartitionOffset{kP1, 1}));
}

TEST_F(ConsumeLoopPendingTest, LostPartitionsAbandonThePendingWork) {
  work_.finish_on_wait = false;
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0, kP1}, .records = {{"t", 0, 0, "p"}, {"t", 1, 0, "p"}}});
  consumer_.steps.push_back(FakeStep{.revoke = {kP0}, .lost = true});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_GE(work_.abandons, 1);
  EXPECT_EQ(consumer_.rewinds, 1);
  EXPECT_THAT(consumer_.commits, IsEmpty());
}

// A hole holds the offset back while later records are handled: the periodic commit names the
// partition anyway, with the mark, so that their Kafka outputs commit and are known to be.
TEST_F(ConsumeLoopPendingTest, AHoleDoesNotKeepTheMarkFromBeingCommitted) {
  work_.finish_on_wait = false;
  ConsumeLoopOptions options = Options();
  options.commit_interval = std::chrono::milliseconds(0);
  options.drain_timeout = std::chrono::milliseconds(1);
  consumer_.committed[kP0] = PartitionOffset{kP0, 5, ""};
  consumer_.steps.push_back(FakeStep{.assign = {kP0}, .records = {{"t", 0, 5, "p"}}});
  consumer_.steps.push_back(FakeStep{.records = {{"t", 0, 6, ""}, {"t", 0, 7, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  ASSERT_GE(consumer_.commits.size(), 2u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 5, Through(6)}))
      << "nothing finished yet: the offset where reading started, with the mark";
  EXPECT_THAT(consumer_.commits[1], ElementsAre(PartitionOffset{kP0, 5, Through(8)}));
}

// Whoever resumes the partition handles the records below the committed mark as already
// produced (their asynchronous routes only), and the mark survives commits below it.
TEST_F(ConsumeLoopPendingTest, RecordsBelowTheCommittedMarkAreHandledAsAlreadyProduced) {
  ConsumeLoopOptions options = Options();
  options.commit_interval = std::chrono::milliseconds(0);
  consumer_.committed[kP0] = PartitionOffset{kP0, 2, Through(4)};
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 2, "p"}, {"t", 0, 3, ""}, {"t", 0, 4, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, options);
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_THAT(handler_.outputs_committed, ElementsAre(2, 3));
  ASSERT_EQ(consumer_.commits.size(), 2u);
  EXPECT_THAT(consumer_.commits[0], ElementsAre(PartitionOffset{kP0, 2, Through(5)}));
  EXPECT_THAT(consumer_.commits[1], ElementsAre(PartitionOffset{kP0, 5}));
}

// An aborted transaction voids the records handled since the last commit: read again, they
// produce their outputs again (the committed mark is all that counts).
TEST_F(ConsumeLoopPendingTest, AnAbortForgetsWhatWasHandledSinceTheLastCommit) {
  work_.finish_on_wait = false;
  consumer_.committed[kP0] = PartitionOffset{kP0, 0, Through(1)};
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, "p"}, {"t", 0, 1, "p"}}});
  consumer_.steps.push_back(FakeStep{.revoke = {kP0}, .lost = true});
  consumer_.steps.push_back(
      FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, "p"}, {"t", 0, 1, "p"}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  ASSERT_TRUE(loop.Run(stop_).ok());
  EXPECT_THAT(handler_.outputs_committed, ElementsAre(0, 0)) << "1 was never committed";
  EXPECT_GE(work_.held_drops, 1) << "held dead letters go with the aborted work";
}

// Without the committed offsets the guarantee cannot be kept: the loop stops rather than
// produce outputs twice.
TEST_F(ConsumeLoopPendingTest, UnreadableCommittedOffsetsStopTheLoop) {
  consumer_.committed_error = Unavailable("coordinator away");
  consumer_.steps.push_back(FakeStep{.assign = {kP0}, .records = {{"t", 0, 0, ""}}});
  ConsumeLoop loop(consumer_, handler_, committer_, Options());
  Status status = loop.Run(stop_);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
}

}  // namespace
}  // namespace fanout
