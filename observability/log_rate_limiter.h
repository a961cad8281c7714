// LogRateLimiter: decides which repeated log messages pass. Messages are alike when they are
// equal once every run of digits is replaced (offsets, partitions and counts differ between
// otherwise identical errors). Each kind passes `burst` times per `window`; later ones are
// counted, and the first message after the window (or Expired()) reports how many were held.
//
// Thread-safety: not thread-safe; the logging sink calls it under its own lock.
#ifndef FANOUT_OBSERVABILITY_LOG_RATE_LIMITER_H_
#define FANOUT_OBSERVABILITY_LOG_RATE_LIMITER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fanout {

class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  LogRateLimiter(std::size_t burst, std::chrono::milliseconds window)
      : burst_(burst), window_(window) {}

  struct Suppressed {
    std::string sample;  // the first message held back
    std::uint64_t count = 0;
  };

  // Whether `message` may be logged now. Appends to `reports` the kinds whose window ended with
  // messages held back (to be logged before this one).
  bool Allow(std::string_view message, Clock::time_point now, std::vector<Suppressed>* reports);

  // The kinds whose window ended with messages held back, without a new message.
  void Expired(Clock::time_point now, std::vector<Suppressed>* reports);

  // "route 'x': t[#]@# failed" for "route 'x': t[3]@1234 failed".
  static std::string KeyOf(std::string_view message);

 private:
  struct Kind {
    Clock::time_point window_start;
    std::size_t passed = 0;
    std::uint64_t held = 0;
    std::string sample;
  };
  std::size_t burst_;
  std::chrono::milliseconds window_;
  std::unordered_map<std::string, Kind> kinds_;
  Clock::time_point last_sweep_{};
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_LOG_RATE_LIMITER_H_
