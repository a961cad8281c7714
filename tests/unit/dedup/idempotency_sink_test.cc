// IdempotencySink with a fake real sink and a fake (in-memory) store, on real Debezium 3.2
// PostgreSQL captures (tests/data/debezium/postgres/): check, deliver, record, in that order, and
// what each failure turns into.
#include "dedup/idempotency_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "processor/core/idempotency_key.h"
#include "processor/debezium/decoder.h"
#include "processor/route/router.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using testing::CapturedRecord;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// An action naming the record it came from.
struct TagAction final : SinkAction {
  explicit TagAction(std::string t) : tag(std::move(t)) {}
  std::string tag;
};

class TagBuilder final : public ActionBuilder {
 public:
  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent&,
                                            const KafkaRecordView& record) const override {
    return std::unique_ptr<SinkAction>(std::make_unique<TagAction>(std::to_string(record.offset)));
  }
};

// The real sink: records each write (from whatever thread it comes) until the test answers it.
class InnerSink final : public Sink {
 public:
  struct Call {
    std::vector<std::string> tags;
    WriteCallback done;
  };

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding&) override {
    return std::unique_ptr<ActionBuilder>(std::make_unique<TagBuilder>());
  }
  Status Start(std::chrono::milliseconds) override { return Status(); }
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override {
    Call call;
    for (const SinkAction* action : batch) {
      const auto* tag = dynamic_cast<const TagAction*>(action);
      call.tags.push_back(tag != nullptr ? tag->tag : "<not unwrapped>");
    }
    call.done = std::move(done);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.push_back(std::move(call));
    }
    changed_.notify_all();
  }
  std::size_t max_batch() const override { return 100; }
  std::size_t max_concurrency() const override { return 2; }
  void Close() override { closed_ = true; }

  // Waits for the n-th write (1-based) and returns its tags.
  std::vector<std::string> WaitForWrite(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool arrived =
        changed_.wait_for(lock, std::chrono::seconds(5), [&] { return calls_.size() >= n; });
    EXPECT_TRUE(arrived) << "write " << n << " never reached the real sink";
    return arrived ? calls_[n - 1].tags : std::vector<std::string>{};
  }
  // Answers the n-th write with `result` for every action (on a thread of its own, as an I/O
  // thread would).
  void Answer(std::size_t n, const ActionResult& result) {
    WriteCallback done;
    std::size_t count = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done = std::move(calls_[n - 1].done);
      count = calls_[n - 1].tags.size();
    }
    std::thread([done = std::move(done), count, result] {
      done(std::vector<ActionResult>(count, result));
    }).join();
  }
  std::size_t writes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_.size();
  }
  bool closed_ = false;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Call> calls_;
};

// An in-memory store that says which thread called it.
class FakeStore final : public IdempotencyStore {
 public:
  Status Start() override { return Status(); }
  Result<std::vector<bool>> Contains(std::span<const std::string> keys) override {
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    ++contains_calls_;
    if (!contains_error_.ok()) return contains_error_;
    std::vector<bool> out;
    for (const std::string& key : keys) out.push_back(keys_.contains(key));
    return out;
  }
  Status Record(std::span<const std::string> keys, std::chrono::milliseconds ttl) override {
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    ++record_calls_;
    if (!record_error_.ok()) return record_error_;
    for (const std::string& key : keys) keys_.emplace(key, ttl);
    return Status();
  }
  Result<std::size_t> Purge() override { return std::size_t{0}; }
  std::string_view type() const override { return "fake"; }

  std::map<std::string, std::chrono::milliseconds> keys() {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }
  void FailContains(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    contains_error_ = std::move(status);
  }
  void FailRecord(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    record_error_ = std::move(status);
  }
  int record_calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return record_calls_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::chrono::milliseconds> keys_;
  std::set<std::thread::id> threads_;
  Status contains_error_;
  Status record_error_;
  int contains_calls_ = 0;
  int record_calls_ = 0;
};

constexpr std::chrono::milliseconds kTtl{60000};

// The customers capture: r r r r (snapshot) c c (one transaction) u u d T d T c (key change).
class IdempotencySinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    records_ = testing::ReadCapturedRecords(
        std::string(FANOUT_TEST_DATA_DIR) + "/debezium/postgres/capschema.public.customers.jsonl",
        &error);
    ASSERT_EQ(error, "");
    ASSERT_EQ(records_.size(), 13u);
    DebeziumDecoder decoder;
    for (const CapturedRecord& record : records_) {
      ChangeEvent event;
      ASSERT_TRUE(decoder.Decode(record.View(), &event).ok());
      events_.push_back(std::move(event));
    }
    RouteSpec spec;
    spec.name = "billing";
    spec.sink = "http";
    Result<Router> router = Router::Create({spec});
    ASSERT_TRUE(router.ok()) << router.status().ToString();
    router_ = std::make_unique<Router>(std::move(router).value());

    auto inner = std::make_unique<InnerSink>();
    inner_ = inner.get();
    sink_ = std::make_unique<IdempotencySink>(std::move(inner), &worker_, "http");
    Result<std::unique_ptr<ActionBuilder>> dedup =
        sink_->BindDeduplicated(RouteBinding{&router_->routes().front(), &options_}, &store_, kTtl);
    ASSERT_TRUE(dedup.ok()) << dedup.status().ToString();
    dedup_builder_ = std::move(dedup).value();
    Result<std::unique_ptr<ActionBuilder>> plain =
        sink_->Bind(RouteBinding{&router_->routes().front(), &options_});
    ASSERT_TRUE(plain.ok());
    plain_builder_ = std::move(plain).value();
  }

  void TearDown() override {
    sink_->Close();
    worker_.Stop();
  }

  // The action for record i; `offset` moves it to another Kafka offset (a re-emission).
  const SinkAction* Action(const ActionBuilder& builder, std::size_t i,
                           std::optional<std::int64_t> offset = std::nullopt) {
    KafkaRecordView view = records_[i].View();
    if (offset) view.offset = *offset;
    Result<std::unique_ptr<SinkAction>> action = builder.Build(events_[i], view);
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    actions_.push_back(std::move(action).value());
    return actions_.back().get();
  }
  const SinkAction* Dedup(std::size_t i, std::optional<std::int64_t> offset = std::nullopt) {
    return Action(*dedup_builder_, i, offset);
  }

  // Writes `batch`; the future holds the results.
  std::future<std::vector<ActionResult>> Write(std::vector<const SinkAction*> batch) {
    auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
    std::future<std::vector<ActionResult>> future = promise->get_future();
    batches_.push_back(std::move(batch));
    sink_->Write(batches_.back(), [promise](std::vector<ActionResult> results) {
      promise->set_value(std::move(results));
    });
    return future;
  }

  static std::vector<ActionOutcome> Outcomes(std::future<std::vector<ActionResult>>& future) {
    EXPECT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    std::vector<ActionOutcome> out;
    for (const ActionResult& result : future.get()) out.push_back(result.outcome);
    return out;
  }

  std::string Key(std::size_t i) {
    return IdempotencyKey("billing", events_[i], records_[i].View());
  }
  std::string Tag(std::size_t i) { return std::to_string(records_[i].offset); }

  std::vector<CapturedRecord> records_;
  std::vector<ChangeEvent> events_;
  std::unique_ptr<Router> router_;
  // {}: clang refuses to default-initialize a const vector (no user-provided constructor).
  const std::vector<std::pair<std::string, std::string>> options_{};
  FakeStore store_;
  IdempotencyWorker worker_{std::chrono::hours(1)};
  InnerSink* inner_ = nullptr;
  std::unique_ptr<IdempotencySink> sink_;
  std::unique_ptr<ActionBuilder> dedup_builder_;
  std::unique_ptr<ActionBuilder> plain_builder_;
  std::vector<std::unique_ptr<SinkAction>> actions_;
  std::deque<std::vector<const SinkAction*>> batches_;  // alive until the test ends
};

TEST_F(IdempotencySinkTest, NewChangesAreDeliveredThenRecorded) {
  auto done = Write({Dedup(4), Dedup(5), Dedup(6)});
  EXPECT_THAT(inner_->WaitForWrite(1), ElementsAre(Tag(4), Tag(5), Tag(6)));
  // Nothing is recorded before the real sink answers: a failed delivery must stay unknown.
  EXPECT_THAT(store_.keys(), IsEmpty());
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  inner_->Answer(1, ActionResult::Applied());
  EXPECT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied,
                                          ActionOutcome::kApplied));
  const auto keys = store_.keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys.at(Key(4)), kTtl);
  EXPECT_TRUE(keys.contains(Key(5)));
  EXPECT_TRUE(keys.contains(Key(6)));
}

TEST_F(IdempotencySinkTest, AReEmissionAtANewOffsetIsAnsweredWithoutReachingTheSink) {
  auto first = Write({Dedup(4), Dedup(6)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::Applied());
  ASSERT_THAT(Outcomes(first), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));

  // Debezium after its restart: the same changes (same source positions) at new offsets, with
  // one change that is really new.
  auto again = Write({Dedup(4, 1000), Dedup(5, 1001), Dedup(6, 1002)});
  EXPECT_THAT(inner_->WaitForWrite(2), ElementsAre("1001"));
  inner_->Answer(2, ActionResult::Applied());
  EXPECT_THAT(Outcomes(again), ElementsAre(ActionOutcome::kAlreadyApplied, ActionOutcome::kApplied,
                                           ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(inner_->writes(), 2u);
}

TEST_F(IdempotencySinkTest, ABatchOfKnownChangesOnlyIsNeverSent) {
  auto first = Write({Dedup(7)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::Applied());
  ASSERT_THAT(Outcomes(first), ElementsAre(ActionOutcome::kApplied));
  auto again = Write({Dedup(7, 99)});
  EXPECT_THAT(Outcomes(again), ElementsAre(ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(inner_->writes(), 1u);
}

TEST_F(IdempotencySinkTest, TheSameChangeTwiceInOneBatchIsSentOnce) {
  auto done = Write({Dedup(6), Dedup(7), Dedup(6, 500)});
  EXPECT_THAT(inner_->WaitForWrite(1), ElementsAre(Tag(6), Tag(7)));
  inner_->Answer(1, ActionResult::Applied());
  EXPECT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied,
                                          ActionOutcome::kAlreadyApplied));
}

TEST_F(IdempotencySinkTest, ACopyInTheBatchSharesItsOriginalsFailure) {
  auto done = Write({Dedup(6), Dedup(6, 500)});
  EXPECT_THAT(inner_->WaitForWrite(1), ElementsAre(Tag(6)));
  inner_->Answer(1, ActionResult::Retry("503"));
  EXPECT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kRetry, ActionOutcome::kRetry));
}

TEST_F(IdempotencySinkTest, AFailedDeliveryIsNotRecordedAndIsSentAgain) {
  auto first = Write({Dedup(6)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::Retry("HTTP 503"));
  EXPECT_THAT(Outcomes(first), ElementsAre(ActionOutcome::kRetry));
  EXPECT_THAT(store_.keys(), IsEmpty());
  EXPECT_EQ(store_.record_calls(), 0);

  auto retry = Write({Dedup(6)});
  EXPECT_THAT(inner_->WaitForWrite(2), ElementsAre(Tag(6)));
  inner_->Answer(2, ActionResult::Applied());
  EXPECT_THAT(Outcomes(retry), ElementsAre(ActionOutcome::kApplied));
  EXPECT_TRUE(store_.keys().contains(Key(6)));
}

TEST_F(IdempotencySinkTest, AnAlreadyAppliedAnswerOfTheSinkIsRecordedToo) {
  auto done = Write({Dedup(6)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::AlreadyApplied("409"));
  EXPECT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kAlreadyApplied));
  EXPECT_TRUE(store_.keys().contains(Key(6)));
}

TEST_F(IdempotencySinkTest, AStoreThatIsDownHoldsTheWholeBatchBackUnchecked) {
  store_.FailContains(Unavailable("connection refused"));
  auto done = Write({Action(*plain_builder_, 4), Dedup(5)});
  EXPECT_THAT(Outcomes(done),
              ElementsAre(ActionOutcome::kUnavailable, ActionOutcome::kUnavailable));
  EXPECT_EQ(inner_->writes(), 0u);

  store_.FailContains(DeadlineExceeded("no answer in 10000ms"));
  auto timed_out = Write({Dedup(5)});
  EXPECT_THAT(Outcomes(timed_out), ElementsAre(ActionOutcome::kUnavailable));

  store_.FailContains(FailedPrecondition("authentication refused"));
  auto refused = Write({Dedup(5)});
  EXPECT_THAT(Outcomes(refused), ElementsAre(ActionOutcome::kFatal));
  EXPECT_EQ(inner_->writes(), 0u);
}

TEST_F(IdempotencySinkTest, ARecordThatFailsDoesNotUndoTheDelivery) {
  store_.FailRecord(Unavailable("connection reset"));
  auto done = Write({Dedup(6)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::Applied());
  EXPECT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(store_.record_calls(), 3);  // retried, then given up (and warned about)
  EXPECT_THAT(store_.keys(), IsEmpty());
}

TEST_F(IdempotencySinkTest, RoutesWithoutDedupPassThroughUntouched) {
  auto done = Write({Action(*plain_builder_, 4), Action(*plain_builder_, 4)});
  EXPECT_THAT(inner_->WaitForWrite(1), ElementsAre(Tag(4), Tag(4)));
  inner_->Answer(1, ActionResult::Applied());
  EXPECT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_THAT(store_.keys(), IsEmpty());
  EXPECT_THAT(store_.threads(), IsEmpty());
}

TEST_F(IdempotencySinkTest, AMixedBatchChecksOnlyTheDeduplicatedActions) {
  auto first = Write({Dedup(6)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::Applied());
  ASSERT_THAT(Outcomes(first), ElementsAre(ActionOutcome::kApplied));

  auto mixed = Write({Action(*plain_builder_, 6), Dedup(6, 77), Dedup(7)});
  EXPECT_THAT(inner_->WaitForWrite(2), ElementsAre(Tag(6), Tag(7)));
  inner_->Answer(2, ActionResult::Applied());
  EXPECT_THAT(Outcomes(mixed), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied,
                                           ActionOutcome::kApplied));
}

TEST_F(IdempotencySinkTest, TheStoreIsNeverCalledOnTheWritingThread) {
  auto done = Write({Dedup(6)});
  inner_->WaitForWrite(1);
  inner_->Answer(1, ActionResult::Applied());
  ASSERT_THAT(Outcomes(done), ElementsAre(ActionOutcome::kApplied));
  const std::set<std::thread::id> threads = store_.threads();
  ASSERT_EQ(threads.size(), 1u);  // Contains and Record, both on the worker
  EXPECT_FALSE(threads.contains(std::this_thread::get_id()));
}

TEST_F(IdempotencySinkTest, AfterCloseWritesAreUnavailableAndTheRealSinkIsClosed) {
  sink_->Close();
  EXPECT_TRUE(inner_->closed_);
  auto done = Write({Dedup(6), Action(*plain_builder_, 7)});
  EXPECT_THAT(Outcomes(done),
              ElementsAre(ActionOutcome::kUnavailable, ActionOutcome::kUnavailable));
  EXPECT_EQ(inner_->writes(), 0u);
}

TEST_F(IdempotencySinkTest, BindRejectsAMissingStoreOrTtl) {
  const RouteBinding binding{&router_->routes().front(), &options_};
  EXPECT_FALSE(sink_->BindDeduplicated(binding, nullptr, kTtl).ok());
  EXPECT_FALSE(sink_->BindDeduplicated(binding, &store_, std::chrono::milliseconds(0)).ok());
}

}  // namespace
}  // namespace fanout
