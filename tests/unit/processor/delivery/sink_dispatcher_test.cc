#include "processor/delivery/sink_dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/fakes/fake_sink.h"

namespace fanout {
namespace {

using ::fanout::testing::FakeSink;
using ::fanout::testing::Label;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Clock = SinkDispatcher::Clock;
using std::chrono::milliseconds;

struct DeadLetterSeen {
  std::string topic;
  std::int64_t offset;
  std::string error_class;
  std::string message;
  std::string route;
  std::string sink;
  int attempts;
  std::int64_t first_failure_ms;
  TopicPartition tracked;  // what the dead letter settles in the consume loop
  std::int64_t tracked_offset;
};

class SinkDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { UseSink(/*max_batch=*/10, /*lanes=*/1); }

  void UseSink(std::size_t max_batch, std::size_t lanes, std::size_t depth = 1) {
    sink_ = std::make_unique<FakeSink>(max_batch, lanes);
    sink_->depth = depth;
    route_.name = "r";
    route_.sink_name = "s";
    route_.sink_index = 0;
    route_.retry.max_attempts = 3;
    route_.retry.initial_backoff = milliseconds(100);
    route_.retry.max_backoff = milliseconds(100);
    dispatcher_ =
        std::make_unique<SinkDispatcher>(std::vector<Sink*>{sink_.get()}, [this] { ++wakes_; });
  }

  // Dispatches one action per label for the record at `offset` with `key` (partition 0).
  void Dispatch(std::int64_t offset, std::string key, std::vector<std::string> labels,
                DispatchOrigin origin = {}) {
    keys_.push_back(std::move(key));
    KafkaRecordView record;
    record.topic = "in";
    record.partition = 0;
    record.offset = offset;
    record.key = keys_.back();
    record.value = "value";
    std::vector<NewAction> actions;
    for (std::string& label : labels) actions.push_back(NewAction{&route_, Label(label)});
    // Left unset, the record's own coordinates (kP0, offset) are what completes.
    dispatcher_->Dispatch(record, origin, actions);
  }

  Status Collect(Clock::time_point now = Clock::now()) {
    return dispatcher_->Collect(
        now,
        [this](const KafkaRecordView& record, const DeadLetterContext& context,
               const TopicPartition& tracked, std::int64_t tracked_offset) {
          dead_letters_.push_back(DeadLetterSeen{
              std::string(record.topic), record.offset, std::string(context.error_class),
              std::string(context.message), std::string(context.route), std::string(context.sink),
              context.attempts, context.first_failure_ms, tracked, tracked_offset});
          return dead_letter_status_;
        },
        &finished_);
  }

  std::vector<std::int64_t> FinishedOffsets() const {
    std::vector<std::int64_t> out;
    for (const PartitionOffset& po : finished_) out.push_back(po.offset);
    return out;
  }

  const TopicPartition kP0{"in", 0};
  std::unique_ptr<FakeSink> sink_;
  DispatchRoute route_;
  std::unique_ptr<SinkDispatcher> dispatcher_;
  std::deque<std::string> keys_;
  std::vector<PartitionOffset> finished_;
  std::vector<DeadLetterSeen> dead_letters_;
  Status dead_letter_status_;
  int wakes_ = 0;
};

TEST_F(SinkDispatcherTest, AppliedActionFinishesItsRecordAndWakesTheLoop) {
  Dispatch(7, "k", {"a"});
  EXPECT_EQ(dispatcher_->pending(), 1u);
  EXPECT_EQ(dispatcher_->pending(kP0), 1u);
  ASSERT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Applied());
  EXPECT_EQ(wakes_, 1);
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(FinishedOffsets(), ElementsAre(7));
  EXPECT_EQ(dispatcher_->pending(), 0u);
  EXPECT_EQ(dispatcher_->pending(kP0), 0u);
}

TEST_F(SinkDispatcherTest, PendingBytesCountTheRecordsCopiesUntilDoneOrAbandoned) {
  EXPECT_EQ(dispatcher_->pending_bytes(), 0u);
  Dispatch(0, "k", {"a"});
  const std::size_t one = dispatcher_->pending_bytes();
  EXPECT_GE(one, std::string("k").size() + std::string("value").size());
  Dispatch(1, "j", {"b"});
  EXPECT_EQ(dispatcher_->pending_bytes(), 2 * one);
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_EQ(dispatcher_->pending_bytes(), one);
  dispatcher_->Abandon(nullptr);
  EXPECT_EQ(dispatcher_->pending_bytes(), 0u);
}

TEST_F(SinkDispatcherTest, OneBatchInFlightPerLaneAndTheQueueGoesAsTheNextBatch) {
  UseSink(/*max_batch=*/3, /*lanes=*/1);
  for (int i = 0; i < 5; ++i) Dispatch(i, "k", {"a" + std::to_string(i)});
  // The first went out alone; the others wait for it, then go in batches of at most 3.
  ASSERT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  ASSERT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(sink_->history,
              ElementsAre(ElementsAre("a0"), ElementsAre("a1", "a2", "a3"), ElementsAre("a4")));
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0, 1, 2, 3, 4));
}

TEST_F(SinkDispatcherTest, ASinkTakingTwoBatchesPerLaneGetsTheSecondOnlyWhenFull) {
  UseSink(/*max_batch=*/3, /*lanes=*/1, /*depth=*/2);
  Dispatch(0, "k", {"a0"});
  Dispatch(1, "k", {"a1"});
  Dispatch(2, "k", {"a2"});
  EXPECT_EQ(sink_->writes.size(), 1u) << "a batch of one or two would write nearly nothing";
  Dispatch(3, "k", {"a3"});
  EXPECT_EQ(sink_->writes.size(), 2u) << "a full batch goes while the first is in flight";
  for (int i = 4; i < 7; ++i) Dispatch(i, "k", {"a" + std::to_string(i)});
  EXPECT_EQ(sink_->writes.size(), 2u) << "never more than two in flight";
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_EQ(sink_->writes.size(), 2u);
  EXPECT_THAT(sink_->history, ElementsAre(ElementsAre("a0"), ElementsAre("a1", "a2", "a3"),
                                          ElementsAre("a4", "a5", "a6")));
}

TEST_F(SinkDispatcherTest, BatchesFailingTogetherAreRetriedInTheirOrder) {
  UseSink(/*max_batch=*/2, /*lanes=*/1, /*depth=*/2);
  for (int i = 0; i < 4; ++i) Dispatch(i, "k", {"a" + std::to_string(i)});
  ASSERT_EQ(sink_->writes.size(), 2u);  // [a0] and [a1, a2] behind it; a3 waits
  EXPECT_THAT(sink_->behind, ElementsAre(false, true));
  // The first fails as a whole, so the sink fails the second too, untried
  // (ChainedWriter::WriteBehind).
  const Clock::time_point now = Clock::now();
  sink_->AnswerAll(ActionResult::Retry("t"));
  ASSERT_TRUE(Collect(now).ok());
  // a0 is requeued: a full queue [a0, a3] still waits for the batch in flight.
  ASSERT_TRUE(Collect(dispatcher_->NextDue()).ok());
  EXPECT_EQ(sink_->history.size(), 2u);
  ActionResult untried = ActionResult::Retry("the batch before it failed");
  untried.attempted = false;
  sink_->AnswerAll(untried);
  ASSERT_TRUE(Collect(now).ok());
  ASSERT_TRUE(Collect(dispatcher_->NextDue()).ok());
  ASSERT_EQ(sink_->history.size(), 4u);
  EXPECT_THAT(sink_->history[2], ElementsAre("a0", "a1"));
  EXPECT_THAT(sink_->history[3], ElementsAre("a2", "a3"));
}

TEST_F(SinkDispatcherTest, UntriedActionsAreRequeuedWithoutCountingAnAttempt) {
  UseSink(/*max_batch=*/10, /*lanes=*/1);  // route_: max_attempts 3
  Dispatch(0, "k", {"a"});
  ActionResult untried = ActionResult::Retry("not written");
  untried.attempted = false;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(sink_->writes.size(), 1u);
    sink_->AnswerAll(untried);
    ASSERT_TRUE(Collect().ok());
  }
  EXPECT_THAT(dead_letters_, IsEmpty());
  ASSERT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0));
}

TEST_F(SinkDispatcherTest, DifferentKeysGoInParallelOnDifferentLanes) {
  UseSink(/*max_batch=*/10, /*lanes=*/64);
  // Two keys that hash to different lanes.
  std::string other = "k1";
  for (int i = 2;
       std::hash<std::string_view>{}("k0") % 64 == std::hash<std::string_view>{}(other) % 64; ++i) {
    other = "k" + std::to_string(i);
  }
  Dispatch(0, "k0", {"a"});
  Dispatch(1, other, {"b"});
  Dispatch(2, "k0", {"c"});  // same key as the first: waits behind it
  EXPECT_EQ(sink_->writes.size(), 2u);
  sink_->AnswerAll(ActionResult::Applied());  // "a"
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(sink_->history, ElementsAre(ElementsAre("a"), ElementsAre("b"), ElementsAre("c")));
}

TEST_F(SinkDispatcherTest, ASinkDeclaringLanesByPartitionGetsAPartitionsActionsOnOneLane) {
  sink_ = std::make_unique<FakeSink>(/*max_batch=*/10, /*lanes=*/64);
  sink_->lane_by = LaneBy::kPartition;
  dispatcher_ = std::make_unique<SinkDispatcher>(std::vector<Sink*>{sink_.get()}, [] {});
  // Different keys, one partition: one lane, so one batch at a time, in offset order.
  Dispatch(0, "k0", {"a"});
  Dispatch(1, "k1", {"b"});
  Dispatch(2, "k2", {"c"});
  EXPECT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(sink_->history, ElementsAre(ElementsAre("a"), ElementsAre("b", "c")));
}

TEST_F(SinkDispatcherTest, ASinkWithoutAChainedWriterGetsOneBatchPerLane) {
  // Declares two batches per lane but no ChainedWriter to send the second through.
  class Undeclared final : public Sink {
   public:
    FakeSink fake{2, 1};
    Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& b) override {
      return fake.Bind(b);
    }
    Status Start(std::chrono::milliseconds t) override { return fake.Start(t); }
    void Write(std::span<const SinkAction* const> batch, WriteCallback done) override {
      fake.Write(batch, std::move(done));
    }
    std::size_t max_batch() const override { return 2; }
    std::size_t max_concurrency() const override { return 1; }
    void Close() override {}
    SinkCapabilities capabilities() override { return {.max_batches_per_lane = 2}; }
  } sink;
  dispatcher_ = std::make_unique<SinkDispatcher>(std::vector<Sink*>{&sink}, [] {});
  Dispatch(0, "k", {"a", "b"});
  Dispatch(1, "k", {"c", "d"});  // a full batch, but the lane has one in flight
  EXPECT_EQ(sink.fake.writes.size(), 1u);
  sink.fake.AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(sink.fake.behind, ElementsAre(false, false));
}

TEST_F(SinkDispatcherTest, AssignmentsReachOnlyTheSinksThatListen) {
  class Listening final : public PartitionAssignmentListener {
   public:
    std::vector<TopicPartition> seen;
    Status OnPartitionsAssigned(std::span<const TopicPartition> partitions) override {
      seen.assign(partitions.begin(), partitions.end());
      return Internal("offsets table unreachable");  // logged, never fatal
    }
  } listener;
  sink_->assignment_listener = &listener;
  FakeSink deaf(10, 1);
  dispatcher_ = std::make_unique<SinkDispatcher>(std::vector<Sink*>{sink_.get(), &deaf}, [] {});
  dispatcher_->OnPartitionsAssigned({kP0, {"in", 1}});
  EXPECT_THAT(listener.seen, ElementsAre(kP0, TopicPartition{"in", 1}));
}

TEST_F(SinkDispatcherTest, RecordWithSeveralActionsFinishesWithTheLast) {
  UseSink(/*max_batch=*/1, /*lanes=*/1);
  Dispatch(3, "k", {"x", "y"});
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(finished_, IsEmpty());
  sink_->AnswerAll(ActionResult::AlreadyApplied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(FinishedOffsets(), ElementsAre(3));
}

TEST_F(SinkDispatcherTest, RetryWaitsTheBackoffThenExhaustedRecordsAreDeadLettered) {
  Dispatch(0, "k", {"a"});
  Clock::time_point now = Clock::now();
  for (int attempt = 1; attempt < 3; ++attempt) {
    sink_->AnswerAll(ActionResult::Retry("503 busy"));
    ASSERT_TRUE(Collect(now).ok());
    EXPECT_TRUE(sink_->writes.empty()) << "resent before its backoff";
    const Clock::time_point due = dispatcher_->NextDue();
    ASSERT_NE(due, Clock::time_point::max());
    EXPECT_GE(due - now, milliseconds(50));  // equal jitter: at least half of 100ms
    EXPECT_LE(due - now, milliseconds(100));
    now = due;
    ASSERT_TRUE(Collect(now).ok());
    ASSERT_EQ(sink_->writes.size(), 1u) << "not resent once due";
  }
  sink_->AnswerAll(ActionResult::Retry("503 busy"));
  ASSERT_TRUE(Collect(now).ok());
  ASSERT_EQ(dead_letters_.size(), 1u);
  EXPECT_EQ(dead_letters_[0].error_class, "retries_exhausted");
  EXPECT_THAT(dead_letters_[0].message, ::testing::HasSubstr("503 busy"));
  EXPECT_EQ(dead_letters_[0].attempts, 3);
  EXPECT_EQ(dead_letters_[0].route, "r");
  EXPECT_EQ(dead_letters_[0].sink, "s");
  EXPECT_GT(dead_letters_[0].first_failure_ms, 0);
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0));
}

TEST_F(SinkDispatcherTest, RetryAfterFromTheServerLengthensTheWait) {
  Dispatch(0, "k", {"a"});
  const Clock::time_point now = Clock::now();
  sink_->AnswerAll(ActionResult::Retry("429", milliseconds(2000)));
  ASSERT_TRUE(Collect(now).ok());
  EXPECT_GE(dispatcher_->NextDue() - now, milliseconds(2000));
}

TEST_F(SinkDispatcherTest, UnavailableSinkRetriesForeverAndNeverDeadLetters) {
  Dispatch(0, "k", {"a"});
  Clock::time_point now = Clock::now();
  for (int i = 0; i < 10; ++i) {  // far beyond max_attempts = 3
    sink_->AnswerAll(ActionResult::Unavailable("connection refused"));
    ASSERT_TRUE(Collect(now).ok());
    EXPECT_TRUE(dispatcher_->AnySinkUnavailable());
    now = dispatcher_->NextDue();
    ASSERT_TRUE(Collect(now).ok());
    ASSERT_EQ(sink_->writes.size(), 1u);
  }
  EXPECT_THAT(dead_letters_, IsEmpty());
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect(now).ok());
  EXPECT_FALSE(dispatcher_->AnySinkUnavailable());
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0));
}

TEST_F(SinkDispatcherTest, AnUnavailableLaneBacksOffWithTheRoutesJitteredBackoff) {
  route_.retry.initial_backoff = milliseconds(100);
  route_.retry.max_backoff = milliseconds(1000);
  Dispatch(0, "k", {"a"});
  // The n-th kUnavailable in a row waits within [d/2, d], d = min(1000, 100 * 2^(n-1)).
  const std::int64_t expected_ceiling[] = {100, 200, 400, 800, 1000, 1000};
  for (std::int64_t ceiling : expected_ceiling) {
    const Clock::time_point now = Clock::now();
    sink_->AnswerAll(ActionResult::Unavailable("connection refused"));
    ASSERT_TRUE(Collect(now).ok());
    const auto wait = std::chrono::duration_cast<milliseconds>(dispatcher_->NextDue() - now);
    EXPECT_GE(wait.count(), ceiling / 2);
    EXPECT_LE(wait.count(), ceiling);
    ASSERT_TRUE(Collect(dispatcher_->NextDue()).ok());
    ASSERT_EQ(sink_->writes.size(), 1u);
  }
  // A success ends the streak: the next outage starts from the initial backoff again.
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  const Clock::time_point later = Clock::now() + std::chrono::seconds(2);  // past every backoff
  Dispatch(1, "k", {"b"});
  ASSERT_TRUE(Collect(later).ok());
  ASSERT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Unavailable("connection refused"));
  ASSERT_TRUE(Collect(later).ok());
  EXPECT_LE(std::chrono::duration_cast<milliseconds>(dispatcher_->NextDue() - later).count(), 100);
}

TEST_F(SinkDispatcherTest, BadRecordIsDeadLetteredAtOnceAndTheLaneMovesOn) {
  Dispatch(0, "k", {"a"});
  Dispatch(1, "k", {"b"});
  sink_->AnswerAll(ActionResult::BadRecord("400 mapping error"));
  ASSERT_TRUE(Collect().ok());
  ASSERT_EQ(dead_letters_.size(), 1u);
  EXPECT_EQ(dead_letters_[0].error_class, "bad_record");
  EXPECT_EQ(dead_letters_[0].offset, 0);
  EXPECT_EQ(dead_letters_[0].attempts, 1);
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0));
  EXPECT_EQ(sink_->writes.size(), 1u);  // "b" went out
}

TEST_F(SinkDispatcherTest, OnlyTheFailedActionsOfABatchAreRetriedInTheirOrder) {
  UseSink(/*max_batch=*/10, /*lanes=*/1);
  Dispatch(0, "k", {"a"});
  Dispatch(1, "k", {"b"});
  Dispatch(2, "k", {"c"});
  Dispatch(3, "k", {"d"});
  sink_->AnswerAll(ActionResult::Applied());  // "a"
  ASSERT_TRUE(Collect().ok());
  sink_->Answer({ActionResult::Retry("t"), ActionResult::Applied(), ActionResult::Retry("t")});
  const Clock::time_point now = Clock::now();
  ASSERT_TRUE(Collect(now).ok());
  Dispatch(4, "k", {"e"});  // queued behind the retries
  ASSERT_TRUE(Collect(dispatcher_->NextDue()).ok());
  EXPECT_THAT(sink_->history.back(), ElementsAre("b", "d", "e"));
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0, 2));
}

TEST_F(SinkDispatcherTest, FatalOutcomeStopsWithInternal) {
  Dispatch(0, "k", {"a"});
  sink_->AnswerAll(ActionResult::Fatal("401 unauthorized"));
  Status status = Collect();
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("401 unauthorized"));
  EXPECT_THAT(finished_, IsEmpty());
}

TEST_F(SinkDispatcherTest, RefusalOfOneRecordIsDeadLetteredWhenTheProbeAcceptsTheSink) {
  Dispatch(0, "k", {"a"});
  Dispatch(1, "j", {"b"});  // waits for the lane
  sink_->AnswerAll(ActionResult::Refused("403 for index bad-tenant"));
  ASSERT_TRUE(Collect().ok());
  sink_->AnswerAll(ActionResult::Refused("403 for index bad-tenant-2"));
  ASSERT_TRUE(Collect().ok());
  ASSERT_EQ(dead_letters_.size(), 2u);
  EXPECT_EQ(dead_letters_[0].error_class, "refused");
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0, 1));
  EXPECT_EQ(sink_->probes, 1);  // one probe answers for a burst
}

TEST_F(SinkDispatcherTest, RefusalStopsWhenTheProbeRefusesTheSinkToo) {
  sink_->probe_answer = FailedPrecondition("WRONGPASS");
  Dispatch(0, "k", {"a"});
  sink_->AnswerAll(ActionResult::Refused("NOPERM"));
  Status status = Collect();
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("WRONGPASS"));
  EXPECT_THAT(dead_letters_, IsEmpty());
  EXPECT_THAT(finished_, IsEmpty());
}

TEST_F(SinkDispatcherTest, RefusalWaitsWhileTheProbeCannotReachTheSink) {
  sink_->probe_answer = Unavailable("connection refused");
  Dispatch(0, "k", {"a"});
  sink_->AnswerAll(ActionResult::Refused("NOPERM"));
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(dead_letters_, IsEmpty());
  EXPECT_THAT(finished_, IsEmpty());
  sink_->probe_answer = Status();
  ASSERT_TRUE(Collect(dispatcher_->NextDue()).ok());  // tried again after the lane's backoff
  ASSERT_EQ(sink_->writes.size(), 1u);
  sink_->AnswerAll(ActionResult::Refused("NOPERM"));
  ASSERT_TRUE(Collect().ok());
  ASSERT_EQ(dead_letters_.size(), 1u);
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0));
}

TEST_F(SinkDispatcherTest, OnExhaustedFailStopsInsteadOfDeadLettering) {
  route_.retry.max_attempts = 1;
  route_.retry.on_exhausted = OnExhaustedAction::kFail;
  Dispatch(0, "k", {"a"});
  sink_->AnswerAll(ActionResult::Retry("timeout"));
  Status status = Collect();
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("on_exhausted: fail"));
  EXPECT_THAT(dead_letters_, IsEmpty());
}

TEST_F(SinkDispatcherTest, OnExhaustedBlockKeepsRetrying) {
  route_.retry.max_attempts = 1;
  route_.retry.on_exhausted = OnExhaustedAction::kBlock;
  Dispatch(0, "k", {"a"});
  Clock::time_point now = Clock::now();
  for (int i = 0; i < 5; ++i) {
    sink_->AnswerAll(ActionResult::Retry("timeout"));
    ASSERT_TRUE(Collect(now).ok());
    now = dispatcher_->NextDue();
    ASSERT_TRUE(Collect(now).ok());
    ASSERT_EQ(sink_->writes.size(), 1u);
  }
  EXPECT_THAT(dead_letters_, IsEmpty());
}

TEST_F(SinkDispatcherTest, UnwritableDeadLetterIsReturned) {
  dead_letter_status_ = Status(StatusCode::kAborted, "transaction aborted");
  Dispatch(0, "k", {"a"});
  sink_->AnswerAll(ActionResult::BadRecord("400"));
  EXPECT_EQ(Collect().code(), StatusCode::kAborted);
  EXPECT_THAT(finished_, IsEmpty());
}

TEST_F(SinkDispatcherTest, AbandonDropsQueuedWorkAndIgnoresLateResults) {
  Dispatch(0, "k", {"a"});
  Dispatch(1, "k", {"b"});
  dispatcher_->Abandon(nullptr);
  EXPECT_EQ(dispatcher_->pending(), 0u);
  sink_->AnswerAll(ActionResult::Applied());  // "a", sent before the abandon
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(finished_, IsEmpty());
  EXPECT_TRUE(sink_->writes.empty()) << "the abandoned 'b' was sent";
  // New work after the abandon goes through normally.
  Dispatch(0, "k", {"a2"});
  sink_->AnswerAll(ActionResult::Applied());
  ASSERT_TRUE(Collect().ok());
  EXPECT_THAT(FinishedOffsets(), ElementsAre(0));
}

TEST_F(SinkDispatcherTest, AbandonOfOnePartitionKeepsTheOthers) {
  UseSink(/*max_batch=*/10, /*lanes=*/1);
  Dispatch(0, "k", {"a"});
  DispatchOrigin other;
  other.tracked = PartitionOffset{TopicPartition{"in", 1}, 5};
  Dispatch(5, "k", {"b"}, other);
  const std::vector<TopicPartition> revoked{kP0};
  dispatcher_->Abandon(&revoked);
  EXPECT_EQ(dispatcher_->pending(), 1u);
  sink_->AnswerAll(ActionResult::Applied());  // "a": ignored
  ASSERT_TRUE(Collect().ok());
  sink_->AnswerAll(ActionResult::Applied());  // "b"
  ASSERT_TRUE(Collect().ok());
  ASSERT_EQ(finished_.size(), 1u);
  EXPECT_EQ(finished_[0], (PartitionOffset{TopicPartition{"in", 1}, 5}));
}

TEST_F(SinkDispatcherTest, ReplayedRecordCarriesItsAttemptsAndCompletesAsTheDeadLetter) {
  DispatchOrigin origin;
  origin.tracked = PartitionOffset{TopicPartition{"fanout.dlq", 0}, 42};
  origin.previous_attempts = 4;
  origin.first_failure_ms = 1234;
  Dispatch(9, "k", {"a"}, origin);
  sink_->AnswerAll(ActionResult::BadRecord("400"));
  ASSERT_TRUE(Collect().ok());
  ASSERT_EQ(dead_letters_.size(), 1u);
  EXPECT_EQ(dead_letters_[0].topic, "in");  // the original record, not the dead letter
  EXPECT_EQ(dead_letters_[0].offset, 9);
  EXPECT_EQ(dead_letters_[0].attempts, 5);
  EXPECT_EQ(dead_letters_[0].first_failure_ms, 1234);
  // It settles the dead letter it was replayed from (its commit carries the new one).
  EXPECT_EQ(dead_letters_[0].tracked, origin.tracked->tp);
  EXPECT_EQ(dead_letters_[0].tracked_offset, 42);
  ASSERT_EQ(finished_.size(), 1u);
  EXPECT_EQ(finished_[0], *origin.tracked);
}

TEST_F(SinkDispatcherTest, WrongNumberOfResultsIsAnInternalError) {
  Dispatch(0, "k", {"a"});
  sink_->Answer({});
  EXPECT_EQ(Collect().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace fanout
