#include "observability/health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Clock = HealthSnapshot::Clock;
constexpr std::chrono::milliseconds kStall{60000};

HealthSnapshot Healthy(Clock::time_point now) {
  HealthSnapshot s;
  s.started = true;
  s.last_turn = now;
  s.assigned = 3;
  return s;
}

TEST(HealthTest, ReadyWhenAssignedSinksUpAndCommitsWork) {
  const auto now = Clock::now();
  const HealthVerdict verdict = EvaluateReadiness(Healthy(now), now, kStall);
  EXPECT_TRUE(verdict.ok);
  EXPECT_THAT(verdict.reasons, IsEmpty());
  EXPECT_THAT(verdict.json, HasSubstr("\"status\":\"ready\""));
  EXPECT_THAT(verdict.json, HasSubstr("\"assigned_partitions\":3"));
}

TEST(HealthTest, NotReadyBeforeStartAndWithoutPartitions) {
  const auto now = Clock::now();
  HealthSnapshot s;
  EXPECT_THAT(EvaluateReadiness(s, now, kStall).reasons,
              ElementsAre(HasSubstr("not subscribed yet")));
  EXPECT_TRUE(EvaluateLiveness(s, now, kStall).ok);  // starting is alive
  s = Healthy(now);
  s.assigned = 0;
  EXPECT_THAT(EvaluateReadiness(s, now, kStall).reasons,
              ElementsAre(HasSubstr("no partitions assigned")));
}

TEST(HealthTest, AnUnavailableSinkOrFailingCommitsMakeItNotReadyAndSayWhy) {
  const auto now = Clock::now();
  HealthState state;
  state.Started();
  state.Turn(now);
  state.SetAssigned(2);
  state.SetSinkAvailable("svc", true);
  EXPECT_TRUE(EvaluateReadiness(state.Snapshot(), now, kStall).ok);
  state.SetSinkAvailable("svc", false);
  state.CommitFailed("commit: Broker: Coordinator not available");
  const HealthVerdict verdict = EvaluateReadiness(state.Snapshot(), now, kStall);
  EXPECT_FALSE(verdict.ok);
  EXPECT_THAT(verdict.reasons, ElementsAre(HasSubstr("sink 'svc' is unavailable"),
                                           HasSubstr("Coordinator not available")));
  EXPECT_THAT(verdict.json, HasSubstr("\"unavailable_sinks\":[\"svc\"]"));
  EXPECT_THAT(verdict.json, HasSubstr("\"status\":\"not ready\""));
  state.SetSinkAvailable("svc", true);
  state.CommitSucceeded();
  EXPECT_TRUE(EvaluateReadiness(state.Snapshot(), now, kStall).ok);
}

TEST(HealthTest, AStalledLoopFailsLivenessAndReadiness) {
  const auto now = Clock::now();
  HealthSnapshot s = Healthy(now - std::chrono::seconds(61));
  const HealthVerdict live = EvaluateLiveness(s, now, kStall);
  EXPECT_FALSE(live.ok);
  EXPECT_THAT(live.reasons, ElementsAre(HasSubstr("has not turned for 61 s")));
  EXPECT_FALSE(EvaluateReadiness(s, now, kStall).ok);
  s.last_turn = now - std::chrono::seconds(59);
  EXPECT_TRUE(EvaluateLiveness(s, now, kStall).ok);
}

TEST(HealthTest, ShuttingDownIsNotReady) {
  const auto now = Clock::now();
  HealthSnapshot s = Healthy(now);
  s.stopping = true;
  EXPECT_THAT(EvaluateReadiness(s, now, kStall).reasons, ElementsAre("shutting down"));
}

TEST(HealthTest, JsonEscapesReasons) {
  const auto now = Clock::now();
  HealthSnapshot s = Healthy(now);
  s.consecutive_commit_failures = 1;
  s.last_commit_error = "say \"no\"\n";
  EXPECT_THAT(EvaluateReadiness(s, now, kStall).json, HasSubstr("say \\\"no\\\"\\n"));
}

}  // namespace
}  // namespace fanout
