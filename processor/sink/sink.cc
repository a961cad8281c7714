#include "processor/sink/sink.h"

namespace fanout {

std::string_view ToString(ActionOutcome outcome) {
  switch (outcome) {
    case ActionOutcome::kApplied:
      return "applied";
    case ActionOutcome::kAlreadyApplied:
      return "already_applied";
    case ActionOutcome::kRetry:
      return "retry";
    case ActionOutcome::kUnavailable:
      return "unavailable";
    case ActionOutcome::kBadRecord:
      return "bad_record";
    case ActionOutcome::kRefused:
      return "refused";
    case ActionOutcome::kFatal:
      return "fatal";
  }
  return "unknown";
}

namespace {

int Severity(ActionOutcome outcome) {
  switch (outcome) {
    case ActionOutcome::kApplied:
      return 0;
    case ActionOutcome::kAlreadyApplied:
      return 1;
    case ActionOutcome::kRetry:
      return 2;
    case ActionOutcome::kUnavailable:
      return 3;
    case ActionOutcome::kBadRecord:
      return 4;
    case ActionOutcome::kRefused:
      return 5;
    case ActionOutcome::kFatal:
      return 6;
  }
  return 6;
}

}  // namespace

void KeepWorse(ActionResult* into, ActionResult next) {
  if (Severity(next.outcome) > Severity(into->outcome)) *into = std::move(next);
}

}  // namespace fanout
