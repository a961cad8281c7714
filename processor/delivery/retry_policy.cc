#include "processor/delivery/retry_policy.h"

#include <algorithm>

namespace fanout {

std::chrono::milliseconds JitteredBackoff(const RetryPolicy& policy, int failures,
                                          std::mt19937_64& random) {
  // d = min(max, initial * 2^(failures-1)), computed without overflow.
  const std::int64_t ceiling = policy.max_backoff.count();
  std::int64_t delay = policy.initial_backoff.count();
  for (int i = 1; i < failures && delay > 0 && delay < ceiling; ++i) delay *= 2;
  delay = std::min(delay, ceiling);
  std::uniform_int_distribution<std::int64_t> jitter(delay / 2, delay);
  return std::chrono::milliseconds(jitter(random));
}

std::optional<std::chrono::milliseconds> RetryState::OnFailure(Clock::time_point now,
                                                               std::mt19937_64& random) {
  ++attempts_;
  if (!first_failure_) first_failure_ = now;
  const bool blocks = policy_.on_exhausted == OnExhaustedAction::kBlock;
  if (!blocks &&
      (attempts_ >= policy_.max_attempts || now - *first_failure_ >= policy_.max_elapsed)) {
    return std::nullopt;
  }
  return JitteredBackoff(policy_, attempts_, random);
}

}  // namespace fanout
