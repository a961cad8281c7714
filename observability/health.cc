#include "observability/health.h"

#include "processor/core/json_writer.h"
#include "processor/core/redaction.h"

namespace fanout {
namespace {

std::string Json(const HealthSnapshot& s, std::string_view status,
                 const std::vector<std::string>& reasons) {
  std::string out = "{\"status\":";
  AppendJsonString(out, status);
  out += ",\"reasons\":[";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, reasons[i]);
  }
  out += "],\"assigned_partitions\":" + std::to_string(s.assigned) +
         ",\"paused_partitions\":" + std::to_string(s.paused) +
         ",\"in_flight\":" + std::to_string(s.in_flight) + ",\"unavailable_sinks\":[";
  for (std::size_t i = 0; i < s.unavailable_sinks.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, s.unavailable_sinks[i]);
  }
  out +=
      "],\"consecutive_commit_failures\":" + std::to_string(s.consecutive_commit_failures) + "}\n";
  return out;
}

bool Stalled(const HealthSnapshot& s, HealthSnapshot::Clock::time_point now,
             std::chrono::milliseconds stall_limit, std::string* why) {
  if (!s.started) return false;  // not turning yet is "starting", not "stuck"
  const auto since = now - s.last_turn;
  if (since <= stall_limit) return false;
  *why = "the consume loop has not turned for " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) + " s";
  return true;
}

}  // namespace

HealthVerdict EvaluateLiveness(const HealthSnapshot& snapshot,
                               HealthSnapshot::Clock::time_point now,
                               std::chrono::milliseconds stall_limit) {
  HealthVerdict verdict;
  std::string why;
  if (Stalled(snapshot, now, stall_limit, &why)) verdict.reasons.push_back(why);
  verdict.ok = verdict.reasons.empty();
  verdict.json = Json(snapshot, verdict.ok ? "ok" : "stalled", verdict.reasons);
  return verdict;
}

HealthVerdict EvaluateReadiness(const HealthSnapshot& snapshot,
                                HealthSnapshot::Clock::time_point now,
                                std::chrono::milliseconds stall_limit) {
  HealthVerdict verdict;
  std::string why;
  if (!snapshot.started) verdict.reasons.push_back("starting: not subscribed yet");
  if (snapshot.stopping) verdict.reasons.push_back("shutting down");
  if (Stalled(snapshot, now, stall_limit, &why)) verdict.reasons.push_back(why);
  if (snapshot.started && !snapshot.stopping && snapshot.assigned == 0) {
    verdict.reasons.push_back(
        "no partitions assigned (joining the group, or more members than partitions)");
  }
  for (const std::string& sink : snapshot.unavailable_sinks) {
    verdict.reasons.push_back("sink '" + sink +
                              "' is unavailable: its actions wait and retry, partitions may "
                              "pause");
  }
  if (snapshot.consecutive_commit_failures > 0) {
    verdict.reasons.push_back("the last " + std::to_string(snapshot.consecutive_commit_failures) +
                              " commit(s) failed: " + snapshot.last_commit_error);
  }
  verdict.ok = verdict.reasons.empty();
  verdict.json = Json(snapshot, verdict.ok ? "ready" : "not ready", verdict.reasons);
  return verdict;
}

void HealthState::Started() {
  Turn(Clock::now());
  started_.store(true);
}

void HealthState::Stopping() { stopping_.store(true); }

void HealthState::SetSinkAvailable(std::string_view sink, bool available) {
  MutexLock lock(&mutex_);
  auto it = sink_available_.find(sink);
  if (it == sink_available_.end()) {
    sink_available_.emplace(std::string(sink), available);
  } else {
    it->second = available;
  }
}

void HealthState::CommitSucceeded() {
  MutexLock lock(&mutex_);
  consecutive_commit_failures_ = 0;
  last_commit_error_.clear();
}

void HealthState::CommitFailed(std::string_view error) {
  MutexLock lock(&mutex_);
  ++consecutive_commit_failures_;
  last_commit_error_ = SecretRedactor::Global().Redacted(error);
}

HealthSnapshot HealthState::Snapshot() const {
  HealthSnapshot s;
  s.started = started_.load();
  s.stopping = stopping_.load();
  s.last_turn = Clock::time_point(Clock::duration(last_turn_ns_.load(std::memory_order_relaxed)));
  s.assigned = assigned_.load(std::memory_order_relaxed);
  s.paused = paused_.load(std::memory_order_relaxed);
  s.in_flight = in_flight_.load(std::memory_order_relaxed);
  MutexLock lock(&mutex_);
  for (const auto& [sink, available] : sink_available_) {
    if (!available) s.unavailable_sinks.push_back(sink);
  }
  s.consecutive_commit_failures = consecutive_commit_failures_;
  s.last_commit_error = last_commit_error_;
  return s;
}

}  // namespace fanout
