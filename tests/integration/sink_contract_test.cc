// The contract every asynchronous sink (processor/sink/sink.h) must keep, one suite for all of
// them, each against its real server (issue 6, check 3): the stack's Redis, OpenSearch, replica
// PostgreSQL and ClickHouse, and an in-process HTTP receiver that deduplicates by
// Idempotency-Key. Every sink reaches its server through a TcpProxy, so an outage is a cut of the
// proxy and the shared servers are never stopped.
//
//   - replaying a batch is idempotent: the same server state, every replayed action applied or
//     already applied;
//   - an older version never overwrites a newer one (HTTP: a replay carries its first delivery's
//     Idempotency-Key, so the receiver skips it; see ContractTarget::guards_versions);
//   - a partial failure is reported per action: one bad record in a batch, only it is kBadRecord;
//   - an unreachable server is kUnavailable, and the same actions succeed once it is back;
//   - Close() after Write() runs every callback once, with a result per action, before it
//     returns, and whatever was reported applied is on the server.
//
// Adding a sink type: a ContractTarget (tests/support/sink_contract.h) and a line in
// INSTANTIATE_TEST_SUITE_P below.
#include "tests/support/sink_contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "processor/route/router.h"
#include "sinks/runtime.h"
#include "tests/support/process.h"
#include "tests/support/tcp_proxy.h"

namespace fanout::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Not;
constexpr auto kWait = std::chrono::seconds(30);  // bound on any callback; never reached green

const auto kDone = AnyOf(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied);

std::vector<ActionOutcome> Outcomes(const std::vector<ActionResult>& results) {
  std::vector<ActionOutcome> out;
  for (const ActionResult& result : results) out.push_back(result.outcome);
  return out;
}

class SinkContractTest : public ::testing::TestWithParam<ContractSinkType> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace_if(
        name.begin(), name.end(),
        [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '-');
    target_ = GetParam().make(std::to_string(::getpid()) + "-" + name);
    ASSERT_NE(target_, nullptr);
    proxy_ = std::make_unique<TcpProxy>(target_->upstream_host(), target_->upstream_port());
    Result<std::unique_ptr<Sink>> sink = target_->MakeSink(proxy_->address(), runtime_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    sink_ = std::move(sink).value();
    router_ = std::make_unique<Router>(Router::Create({target_->Route(&options_)}).value());
    Result<std::unique_ptr<ActionBuilder>> builder =
        sink_->Bind({&router_->routes().front(), &options_});
    ASSERT_TRUE(builder.ok()) << builder.status().ToString();
    builder_ = std::move(builder).value();
    ASSERT_TRUE(sink_->Start(std::chrono::seconds(10)).ok());
  }

  void TearDown() override {
    if (sink_) sink_->Close();
    runtime_.Stop();
    target_.reset();
    proxy_.reset();
  }

  // Where the change was read from. Kafka hands a record out again at the same offset, so each
  // distinct change gets an offset of its partition on first sight and keeps it when written
  // again (a sink that stores processed offsets, PostgreSQL, tells replays by it). Writes that
  // may run at once use partitions of their own, as the delivery core does for such a sink.
  KafkaRecordView Origin(const ChangeEvent& event, std::int32_t partition) {
    const Row& image = event.after ? *event.after : *event.before;
    std::string identity = std::to_string(partition) + "/" +
                           std::to_string(static_cast<int>(event.op)) + "/" +
                           std::to_string(event.position.major) + "/" +
                           std::to_string(event.key.front().value.as_int());
    for (const Column& column : image) {
      if (column.name == "name") {
        identity += column.value.is_null() ? "/null" : "/" + std::string(column.value.text());
      }
    }
    std::int64_t& next = next_offset_[partition];
    auto [it, inserted] = offsets_.try_emplace(identity, next);
    if (inserted) ++next;
    last_was_replay_ = !inserted;
    KafkaRecordView record;
    record.topic = "contract.public.items";
    record.partition = partition;
    record.offset = it->second;
    return record;
  }

  // One action per event, in order. A null action: the builder knows the sink has that record
  // already (PostgreSQL, from its processed offsets) -- allowed for a replay only.
  std::vector<std::unique_ptr<SinkAction>> Build(const std::vector<ChangeEvent>& events,
                                                 std::int32_t partition = 0) {
    std::vector<std::unique_ptr<SinkAction>> actions;
    for (const ChangeEvent& event : events) {
      Result<std::unique_ptr<SinkAction>> action = builder_->Build(event, Origin(event, partition));
      EXPECT_TRUE(action.ok()) << action.status().ToString();
      EXPECT_TRUE(!action.ok() || *action != nullptr || last_was_replay_)
          << "no action for a change never written before";
      actions.push_back(action.ok() ? std::move(action).value() : nullptr);
    }
    return actions;
  }

  // One Write of `batch` (at most max_batch() actions); waits for its callback.
  std::vector<ActionResult> WriteOnce(std::span<const SinkAction* const> batch) {
    auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
    std::future<std::vector<ActionResult>> future = promise->get_future();
    sink_->Write(batch, [promise](std::vector<ActionResult> results) {
      promise->set_value(std::move(results));
    });
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no callback within " << kWait.count() << " s";
      return std::vector<ActionResult>(batch.size());
    }
    std::vector<ActionResult> results = future.get();
    EXPECT_EQ(results.size(), batch.size()) << "one result per action";
    results.resize(batch.size(), ActionResult::Fatal("missing result"));
    return results;
  }

  // Writes `events` in order, as few Writes as the sink's max_batch() allows, one after the
  // other (the delivery core never has one key's actions in two Writes at once).
  std::vector<ActionResult> Apply(const std::vector<ChangeEvent>& events) {
    std::vector<std::unique_ptr<SinkAction>> actions = Build(events);
    std::vector<const SinkAction*> all;
    for (const auto& action : actions) {
      if (action != nullptr) all.push_back(action.get());
    }
    std::vector<ActionResult> written;
    for (std::size_t at = 0; at < all.size(); at += sink_->max_batch()) {
      const std::size_t n = std::min(sink_->max_batch(), all.size() - at);
      std::vector<ActionResult> results = WriteOnce(std::span(all).subspan(at, n));
      for (ActionResult& result : results) written.push_back(std::move(result));
    }
    // Back in event order; an event the builder skipped counts as already applied.
    std::vector<ActionResult> out;
    std::size_t next = 0;
    for (const auto& action : actions) {
      if (action == nullptr) {
        out.push_back(ActionResult::AlreadyApplied("not built: the sink has the record"));
      } else if (next < written.size()) {
        out.push_back(std::move(written[next++]));
      }
    }
    return out;
  }

  // Item id → stored name, for ids 1..max_id (absent ids left out).
  std::map<int, std::string> State(int max_id) {
    std::map<int, std::string> out;
    for (int id = 1; id <= max_id; ++id) {
      if (std::optional<std::string> name = target_->StoredName(id)) out[id] = *name;
    }
    return out;
  }

  SinkRuntime runtime_{2};
  std::unique_ptr<ContractTarget> target_;
  std::unique_ptr<TcpProxy> proxy_;
  std::unique_ptr<Sink> sink_;
  ContractTarget::Options options_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<ActionBuilder> builder_;
  std::map<std::string, std::int64_t> offsets_;       // change → its offset (see Origin)
  std::map<std::int32_t, std::int64_t> next_offset_;  // partition → next new offset
  bool last_was_replay_ = false;                      // the last Origin() was seen before
};

TEST_P(SinkContractTest, ReplayingABatchIsIdempotent) {
  const std::vector<ChangeEvent> batch = {
      ItemChange(Op::kCreate, std::nullopt, ItemRow(1, "a1"), 10),
      ItemChange(Op::kCreate, std::nullopt, ItemRow(2, "b1"), 11),
      ItemChange(Op::kUpdate, ItemRow(1, "a1"), ItemRow(1, "a2"), 12),
      ItemDelete(2, 13),
      ItemChange(Op::kCreate, std::nullopt, ItemRow(3, "c1"), 14),
  };
  ASSERT_THAT(Apply(batch), Each(Field(&ActionResult::outcome, ActionOutcome::kApplied)));
  const std::map<int, std::string> want = {{1, "a2"}, {3, "c1"}};
  ASSERT_EQ(State(3), want);
  // Kafka redelivers the batch after a crash, twice: nothing changes, nothing fails.
  for (int replay = 0; replay < 2; ++replay) {
    std::vector<ActionResult> results = Apply(batch);
    for (const ActionResult& result : results) {
      EXPECT_THAT(result.outcome, kDone) << ToString(result.outcome) << ": " << result.message;
    }
    EXPECT_EQ(State(3), want) << "after replay " << replay + 1;
  }
}

TEST_P(SinkContractTest, AnOlderVersionNeverOverwritesANewerOne) {
  // Delivered in order, then the older change replayed (a redelivery, a Debezium re-emit).
  ASSERT_THAT(Apply({ItemUpsert(1, "v100", 100), ItemUpsert(1, "v200", 200),
                     ItemUpsert(2, "v100", 100), ItemDelete(2, 300)}),
              Each(Field(&ActionResult::outcome, ActionOutcome::kApplied)));
  std::vector<ActionResult> replay =
      Apply({ItemUpsert(1, "v100", 100), ItemUpsert(2, "v100", 100)});
  EXPECT_THAT(Outcomes(replay), Each(kDone));
  EXPECT_EQ(target_->StoredName(1), "v200");
  EXPECT_EQ(target_->StoredName(2), std::nullopt) << "a replayed change resurrected a deleted row";

  // An older change that arrives late for the first time.
  const std::vector<ChangeEvent> late = {ItemUpsert(1, "v150", 150), ItemUpsert(2, "v250", 250)};
  if (target_->guards_versions()) {
    EXPECT_THAT(Outcomes(Apply(late)), Each(target_->stale_write_outcome()));
    EXPECT_EQ(target_->StoredName(1), "v200");
    EXPECT_EQ(target_->StoredName(2), std::nullopt);
    // Within one batch, after the newer one.
    EXPECT_THAT(Outcomes(Apply({ItemUpsert(3, "v500", 500), ItemUpsert(3, "v450", 450)})),
                ElementsAre(ActionOutcome::kApplied, target_->stale_write_outcome()));
    EXPECT_EQ(target_->StoredName(3), "v500");
  } else {
    // No version guard (HTTP: at least once, deduplicated): a change never delivered before has
    // a key of its own and is delivered. Documented as the weaker guarantee; a sink that gains
    // a guard must say so in guards_versions().
    EXPECT_THAT(Outcomes(Apply(late)), Each(ActionOutcome::kApplied));
    EXPECT_EQ(target_->StoredName(1), "v150");
  }
}

TEST_P(SinkContractTest, APartialFailureIsReportedPerAction) {
  std::vector<ChangeEvent> events;
  for (int id = 1; id <= 5; ++id) {
    Row row = ItemRow(id, "n" + std::to_string(id));
    if (id == 3) target_->PrepareBadRecord(id, &row);
    events.push_back(ItemChange(Op::kCreate, std::nullopt, std::move(row), 100));
  }
  std::vector<ActionResult> results = Apply(events);
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied,
                                             ActionOutcome::kBadRecord, ActionOutcome::kApplied,
                                             ActionOutcome::kApplied));
  EXPECT_THAT(results[2].message, Not(IsEmpty())) << "a bad record says why";
  const std::map<int, std::string> want = {{1, "n1"}, {2, "n2"}, {4, "n4"}, {5, "n5"}};
  EXPECT_EQ(State(5), want);
}

TEST_P(SinkContractTest, AnUnavailableServerIsRetriedUntilItIsBack) {
  ASSERT_THAT(Outcomes(Apply({ItemUpsert(1, "v100", 100)})),
              ElementsAre(ActionOutcome::kApplied));  // a connection is open now
  proxy_->Cut();
  const std::vector<ChangeEvent> events = {ItemUpsert(1, "v200", 200), ItemUpsert(2, "v200", 200),
                                           ItemDelete(3, 200)};
  // Down: every action is unavailable (retried without counting), however often it is tried.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<ActionResult> results = Apply(events);
    EXPECT_THAT(Outcomes(results), Each(ActionOutcome::kUnavailable)) << "attempt " << attempt;
  }
  EXPECT_EQ(sink_->Start(std::chrono::seconds(2)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(target_->StoredName(1), "v100");
  ASSERT_TRUE(proxy_->Restore()) << "the proxy's port was taken meanwhile";
  // Back: the same actions succeed, at the latest after a few retries (reconnecting).
  std::vector<ActionOutcome> outcomes;
  int attempts = 0;
  const bool succeeded = WaitFor(
      [&] {
        ++attempts;
        outcomes = Outcomes(Apply(events));
        return std::all_of(outcomes.begin(), outcomes.end(), [](ActionOutcome outcome) {
          return outcome == ActionOutcome::kApplied || outcome == ActionOutcome::kAlreadyApplied;
        });
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(succeeded) << "still failing after " << attempts
                         << " attempts: " << ::testing::PrintToString(outcomes);
  EXPECT_LE(attempts, 3) << "the sink should reconnect at once";
  EXPECT_EQ(target_->StoredName(1), "v200");
  EXPECT_EQ(target_->StoredName(2), "v200");
  EXPECT_EQ(target_->StoredName(3), std::nullopt);
  EXPECT_TRUE(sink_->Start(std::chrono::seconds(5)).ok());
}

TEST_P(SinkContractTest, CloseRunsEveryCallbackAndWhatWasAppliedIsStored) {
  constexpr int kItems = 40;
  // A first write that completes: Close must not undo it.
  std::vector<ChangeEvent> first;
  for (int id = 1; id <= std::min<int>(kItems, static_cast<int>(sink_->max_batch())); ++id) {
    first.push_back(ItemUpsert(id, "first", 100));
  }
  ASSERT_THAT(Outcomes(Apply(first)), Each(ActionOutcome::kApplied));

  // Then as many writes as may be in flight, and Close() at once.
  const std::size_t writes = sink_->max_concurrency();
  std::vector<std::vector<std::unique_ptr<SinkAction>>> actions(writes);
  std::vector<std::vector<ChangeEvent>> events(writes);
  for (std::size_t w = 0; w < writes; ++w) {
    for (std::size_t i = 0; i < std::min<std::size_t>(sink_->max_batch(), kItems); ++i) {
      const int id = static_cast<int>(kItems * (w + 1) + i + 1);
      events[w].push_back(ItemUpsert(id, "closing", 200));
    }
    actions[w] = Build(events[w], static_cast<std::int32_t>(w + 1));
  }
  std::atomic<int> callbacks{0};
  std::vector<std::vector<ActionResult>> results(writes);
  std::vector<int> calls(writes, 0);
  for (std::size_t w = 0; w < writes; ++w) {
    std::vector<const SinkAction*> batch;
    for (const auto& action : actions[w]) {
      if (action != nullptr) batch.push_back(action.get());
    }
    sink_->Write(batch, [&, w](std::vector<ActionResult> got) {
      ++calls[w];
      results[w] = std::move(got);
      ++callbacks;
    });
  }
  sink_->Close();
  // Close returned: every callback has run, once (nothing may run later).
  EXPECT_EQ(callbacks.load(), static_cast<int>(writes));
  sink_->Close();  // idempotent
  EXPECT_THAT(calls, Each(1));
  for (std::size_t w = 0; w < writes; ++w) {
    ASSERT_EQ(results[w].size(), events[w].size()) << "write " << w;
    for (std::size_t i = 0; i < events[w].size(); ++i) {
      const ActionResult& result = results[w][i];
      // In flight when closed: unavailable, to be retried by the next run.
      EXPECT_THAT(result.outcome, AnyOf(ActionOutcome::kApplied, ActionOutcome::kUnavailable))
          << result.message;
      const int id = static_cast<int>(events[w][i].key.front().value.as_int());
      if (result.outcome == ActionOutcome::kApplied) {
        EXPECT_EQ(target_->StoredName(id), "closing") << "item " << id << " reported applied";
      }
    }
  }
  for (const ChangeEvent& event : first) {
    const int id = static_cast<int>(event.key.front().value.as_int());
    EXPECT_EQ(target_->StoredName(id), "first");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sinks, SinkContractTest,
    ::testing::Values(ContractSinkType{"Redis", MakeRedisContractTarget},
                      ContractSinkType{"OpenSearch", MakeOpenSearchContractTarget},
                      ContractSinkType{"Http", MakeHttpContractTarget},
                      ContractSinkType{"Postgres", MakePostgresContractTarget},
                      ContractSinkType{"ClickHouse", MakeClickHouseContractTarget}),
    [](const ::testing::TestParamInfo<ContractSinkType>& param) { return param.param.name; });

}  // namespace
}  // namespace fanout::testing
