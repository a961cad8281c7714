// Retry: an immutable RetryPolicy (from the config, shared by all of a route's actions) and a
// RetryState per failing action, after Envoy's policy/state split.
//
// Backoff is exponential with "equal jitter": the n-th wait is drawn uniformly from
// [d/2, d] with d = min(max_backoff, initial_backoff * 2^(n-1)), so retries of many actions
// spread out (no thundering herd) yet never collapse to zero. An action is exhausted after
// `max_attempts` attempts or once `max_elapsed` has passed since its first failure, whichever
// comes first; what happens then is the route's `on_exhausted` (dead-letter, block, fail), which
// the caller applies. With `block`, exhaustion never happens: the action retries until it works.
//
// Thread-safety: a RetryPolicy is immutable and shareable; a RetryState belongs to one action.
#ifndef FANOUT_PROCESSOR_DELIVERY_RETRY_POLICY_H_
#define FANOUT_PROCESSOR_DELIVERY_RETRY_POLICY_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace fanout {

enum class OnExhaustedAction : std::uint8_t { kDeadLetter, kBlock, kFail };

struct RetryPolicy {
  int max_attempts = 10;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds max_elapsed{600000};
  OnExhaustedAction on_exhausted = OnExhaustedAction::kDeadLetter;
};

// The wait before the attempt after the `failures`-th failure in a row (1 for the first): drawn
// uniformly from [d/2, d], d = min(max_backoff, initial_backoff * 2^(failures-1)). RetryState
// uses it for an action's counted attempts, and the sink dispatcher for a lane whose sink is
// unavailable, which counts no attempt but backs off alike.
std::chrono::milliseconds JitteredBackoff(const RetryPolicy& policy, int failures,
                                          std::mt19937_64& random);

class RetryState {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RetryState(const RetryPolicy& policy) : policy_(policy) {}

  // Records a failed attempt at `now`. Returns how long to wait before the next attempt, or
  // nullopt when the action is exhausted (and the policy does not block).
  std::optional<std::chrono::milliseconds> OnFailure(Clock::time_point now,
                                                     std::mt19937_64& random);

  int attempts() const { return attempts_; }
  // When the first attempt failed; unset before any failure.
  std::optional<Clock::time_point> first_failure() const { return first_failure_; }

 private:
  const RetryPolicy& policy_;
  int attempts_ = 0;
  std::optional<Clock::time_point> first_failure_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_RETRY_POLICY_H_
