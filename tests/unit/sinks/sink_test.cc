#include "sinks/sink.h"

#include <gtest/gtest.h>

namespace fanout {
namespace {

TEST(SinkContractTest, KeepWorseKeepsTheWorstOutcome) {
  ActionResult result = ActionResult::Applied();
  KeepWorse(&result, ActionResult::AlreadyApplied("newer"));
  EXPECT_EQ(result.outcome, ActionOutcome::kAlreadyApplied);
  KeepWorse(&result, ActionResult::Applied());
  EXPECT_EQ(result.outcome, ActionOutcome::kAlreadyApplied);
  KeepWorse(&result, ActionResult::Retry("slow"));
  EXPECT_EQ(result.outcome, ActionOutcome::kRetry);
  KeepWorse(&result, ActionResult::Unavailable("down"));
  EXPECT_EQ(result.outcome, ActionOutcome::kUnavailable);
  KeepWorse(&result, ActionResult::BadRecord("wrongtype"));
  EXPECT_EQ(result.outcome, ActionOutcome::kBadRecord);
  EXPECT_EQ(result.message, "wrongtype");
  KeepWorse(&result, ActionResult::Retry("slow"));
  EXPECT_EQ(result.outcome, ActionOutcome::kBadRecord);
  KeepWorse(&result, ActionResult::Fatal("auth"));
  EXPECT_EQ(result.outcome, ActionOutcome::kFatal);
}

}  // namespace
}  // namespace fanout
