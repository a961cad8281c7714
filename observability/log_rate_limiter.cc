#include "observability/log_rate_limiter.h"

namespace fanout {
namespace {

constexpr std::size_t kMaxKeyLength = 160;

}  // namespace

std::string LogRateLimiter::KeyOf(std::string_view message) {
  std::string key;
  key.reserve(std::min(message.size(), kMaxKeyLength));
  bool in_digits = false;
  for (char c : message) {
    if (key.size() >= kMaxKeyLength) break;
    const bool digit = c >= '0' && c <= '9';
    if (digit) {
      if (!in_digits) key.push_back('#');
    } else {
      key.push_back(c);
    }
    in_digits = digit;
  }
  return key;
}

bool LogRateLimiter::Allow(std::string_view message, Clock::time_point now,
                           std::vector<Suppressed>* reports) {
  if (burst_ == 0) return true;
  Expired(now, reports);
  Kind& kind = kinds_[KeyOf(message)];
  if (kind.passed == 0 && kind.held == 0) kind.window_start = now;
  if (now - kind.window_start >= window_) {
    if (kind.held > 0) reports->push_back({kind.sample, kind.held});
    kind = Kind{now, 0, 0, {}};
  }
  if (kind.passed < burst_) {
    ++kind.passed;
    return true;
  }
  if (kind.held++ == 0) kind.sample.assign(message);
  return false;
}

void LogRateLimiter::Expired(Clock::time_point now, std::vector<Suppressed>* reports) {
  // Once per second at most: a sweep walks every kind.
  if (now - last_sweep_ < std::chrono::seconds(1)) return;
  last_sweep_ = now;
  for (auto it = kinds_.begin(); it != kinds_.end();) {
    Kind& kind = it->second;
    if (now - kind.window_start >= window_) {
      if (kind.held > 0) reports->push_back({kind.sample, kind.held});
      it = kinds_.erase(it);  // the next alike message starts a new window
      continue;
    }
    ++it;
  }
}

}  // namespace fanout
