// HealthState: what /healthz and /readyz report, written by the consume loop's thread (and the
// sink dispatcher on it) and read by the admin server's thread.
//
//   Liveness  the consume loop turned within `stall_limit` (it turns at least every poll
//             timeout; draining on revocation or shutdown may hold it for drain_timeout).
//   Readiness alive, started and not stopping, partitions assigned, no sink unavailable (a sink
//             that answers "down" pauses its partitions), and the latest commit did not fail.
//
// Evaluate*() are pure functions of a snapshot, for tests; the verdict's JSON says why.
// Thread-safety: every method is thread-safe.
#ifndef FANOUT_OBSERVABILITY_HEALTH_H_
#define FANOUT_OBSERVABILITY_HEALTH_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/thread_annotations.h"

namespace fanout {

struct HealthSnapshot {
  using Clock = std::chrono::steady_clock;
  bool started = false;   // the loop subscribed
  bool stopping = false;  // shutdown has begun
  Clock::time_point last_turn{};
  std::size_t assigned = 0;
  std::size_t paused = 0;
  std::size_t in_flight = 0;
  std::vector<std::string> unavailable_sinks;
  int consecutive_commit_failures = 0;
  std::string last_commit_error;  // never secrets: a client error message
};

struct HealthVerdict {
  bool ok = false;
  std::vector<std::string> reasons;  // why not ok; empty when ok
  // {"status":"ok"|"not ready"|..., "reasons":[...], "assigned_partitions":N, ...}
  std::string json;
};

HealthVerdict EvaluateLiveness(const HealthSnapshot& snapshot,
                               HealthSnapshot::Clock::time_point now,
                               std::chrono::milliseconds stall_limit);
HealthVerdict EvaluateReadiness(const HealthSnapshot& snapshot,
                                HealthSnapshot::Clock::time_point now,
                                std::chrono::milliseconds stall_limit);

class HealthState {
 public:
  using Clock = HealthSnapshot::Clock;

  void Started();
  void Stopping();
  // The consume loop went round once; lock-free, called every iteration.
  void Turn(Clock::time_point now) {
    last_turn_ns_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  }
  void SetAssigned(std::size_t n) { assigned_.store(n, std::memory_order_relaxed); }
  void SetPaused(std::size_t n) { paused_.store(n, std::memory_order_relaxed); }
  void SetInFlight(std::size_t n) { in_flight_.store(n, std::memory_order_relaxed); }
  void SetSinkAvailable(std::string_view sink, bool available) EXCLUDES(mutex_);
  void CommitSucceeded() EXCLUDES(mutex_);
  void CommitFailed(std::string_view error) EXCLUDES(mutex_);

  HealthSnapshot Snapshot() const EXCLUDES(mutex_);

 private:
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<Clock::rep> last_turn_ns_{0};
  std::atomic<std::size_t> assigned_{0};
  std::atomic<std::size_t> paused_{0};
  std::atomic<std::size_t> in_flight_{0};
  mutable Mutex mutex_;
  std::map<std::string, bool, std::less<>> sink_available_ GUARDED_BY(mutex_);
  int consecutive_commit_failures_ GUARDED_BY(mutex_) = 0;
  std::string last_commit_error_ GUARDED_BY(mutex_);
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_HEALTH_H_
