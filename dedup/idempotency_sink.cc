#include "dedup/idempotency_sink.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "processor/core/idempotency_key.h"
#include "processor/route/router.h"

namespace fanout {
namespace {

// Record is retried this often, this far apart, before the keys are given up on (see the
// header: the change is delivered already, so failing the action would only duplicate it).
constexpr int kRecordAttempts = 3;
constexpr std::chrono::milliseconds kRecordBackoff{200};

// The real sink's action, with what deduplicates it.
struct DedupAction final : SinkAction {
  std::unique_ptr<SinkAction> inner;
  std::string key;
  IdempotencyStore* store = nullptr;
  std::chrono::milliseconds ttl{0};
};

class DedupActionBuilder final : public ActionBuilder {
 public:
  DedupActionBuilder(std::unique_ptr<ActionBuilder> inner, std::string route,
                     IdempotencyStore* store, std::chrono::milliseconds ttl)
      : inner_(std::move(inner)), route_(std::move(route)), store_(store), ttl_(ttl) {}

  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override {
    FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<SinkAction> inner, inner_->Build(event, record));
    if (!inner) return inner;  // nothing to deliver, nothing to remember
    auto action = std::make_unique<DedupAction>();
    action->inner = std::move(inner);
    // The HTTP sink's Idempotency-Key: one definition of "the same change" for both.
    action->key = IdempotencyKey(route_, event, record);
    action->store = store_;
    action->ttl = ttl_;
    return std::unique_ptr<SinkAction>(std::move(action));
  }

 private:
  std::unique_ptr<ActionBuilder> inner_;
  std::string route_;
  IdempotencyStore* store_;
  std::chrono::milliseconds ttl_;
};

ActionResult StoreFailure(const Status& status) {
  std::string why = "idempotency store: " + status.ToString();
  if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded) {
    return ActionResult::Unavailable(std::move(why));
  }
  return ActionResult::Fatal(std::move(why));
}

}  // namespace

// One Write on its way. Shared by the jobs and callbacks that carry it along.
struct IdempotencySink::Pending {
  std::vector<const SinkAction*> actions;      // the batch as the delivery core gave it
  std::vector<const DedupAction*> dedup;       // per action: its dedup wrapper, or null
  std::vector<ActionResult> results;           // per action
  std::vector<std::size_t> forwarded;          // indices of the actions sent to the real sink
  std::vector<std::ptrdiff_t> copy_of;         // per action: the earlier action with its key
  std::vector<const SinkAction*> inner_batch;  // what the real sink got
  WriteCallback done;
  std::shared_ptr<WriteTracker> tracker;
};

IdempotencySink::IdempotencySink(std::unique_ptr<Sink> inner, IdempotencyWorker* worker,
                                 std::string name)
    : inner_(std::move(inner)),
      worker_(worker),
      name_(std::move(name)),
      tracker_(std::make_shared<WriteTracker>()) {}

IdempotencySink::~IdempotencySink() { Close(); }

Result<std::unique_ptr<ActionBuilder>> IdempotencySink::Bind(const RouteBinding& binding) {
  return inner_->Bind(binding);
}

Result<std::unique_ptr<ActionBuilder>> IdempotencySink::BindDeduplicated(
    const RouteBinding& binding, IdempotencyStore* store, std::chrono::milliseconds ttl) {
  if (binding.route == nullptr) return InvalidArgument("route binding without a route");
  if (store == nullptr) return InvalidArgument("dedup: no store");
  if (ttl.count() <= 0) return InvalidArgument("dedup.ttl: must be above zero");
  FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<ActionBuilder> inner, inner_->Bind(binding));
  return std::unique_ptr<ActionBuilder>(
      std::make_unique<DedupActionBuilder>(std::move(inner), binding.route->name(), store, ttl));
}

void IdempotencySink::Write(std::span<const SinkAction* const> batch, WriteCallback done) {
  auto pending = std::make_shared<Pending>();
  pending->actions.assign(batch.begin(), batch.end());
  pending->results.resize(batch.size());
  pending->copy_of.assign(batch.size(), -1);
  pending->done = std::move(done);
  pending->tracker = tracker_;
  bool any_dedup = false;
  pending->dedup.reserve(batch.size());
  for (const SinkAction* action : batch) {
    const auto* dedup = dynamic_cast<const DedupAction*>(action);
    any_dedup = any_dedup || dedup != nullptr;
    pending->dedup.push_back(dedup);
  }
  if (!tracker_->Begin()) {
    for (ActionResult& result : pending->results) {
      result = ActionResult::Unavailable("the sink is closed");
    }
    OnWorker([pending] { Finish(pending); });
    return;
  }
  if (!any_dedup) {  // nothing to look up: straight through, no worker hop
    for (std::size_t i = 0; i < batch.size(); ++i) pending->forwarded.push_back(i);
    Forward(pending);
    return;
  }
  OnWorker([this, pending] { Check(pending); });
}

void IdempotencySink::Check(const std::shared_ptr<Pending>& pending) {
  const std::size_t n = pending->actions.size();
  if (tracker_->closed()) {
    for (ActionResult& result : pending->results) {
      result = ActionResult::Unavailable("the sink is closed");
    }
    return Finish(pending);
  }
  // One lookup per store (routes of one sink may use different stores).
  std::vector<bool> known(n, false);
  std::vector<bool> looked_up(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const DedupAction* first = pending->dedup[i];
    if (first == nullptr || looked_up[i]) continue;
    std::vector<std::size_t> indices;
    std::vector<std::string> keys;
    for (std::size_t j = i; j < n; ++j) {
      const DedupAction* action = pending->dedup[j];
      if (action == nullptr || action->store != first->store) continue;
      indices.push_back(j);
      keys.push_back(action->key);
      looked_up[j] = true;
    }
    Result<std::vector<bool>> found = first->store->Contains(keys);
    if (!found.ok()) {
      // Never deliver unchecked: the whole batch waits for the store.
      const ActionResult failure = StoreFailure(found.status());
      spdlog::debug("sink '{}': {}", name_, failure.message);
      for (ActionResult& result : pending->results) result = failure;
      return Finish(pending);
    }
    for (std::size_t k = 0; k < indices.size(); ++k) known[indices[k]] = (*found)[k];
  }

  std::unordered_map<std::string_view, std::size_t> first_with_key;
  for (std::size_t i = 0; i < n; ++i) {
    const DedupAction* action = pending->dedup[i];
    if (action == nullptr) {
      pending->forwarded.push_back(i);
      continue;
    }
    if (known[i]) {
      pending->results[i] = ActionResult::AlreadyApplied("idempotency key delivered before");
      continue;
    }
    auto [it, inserted] = first_with_key.emplace(action->key, i);
    if (!inserted) {
      pending->copy_of[i] = static_cast<std::ptrdiff_t>(it->second);
      continue;
    }
    pending->forwarded.push_back(i);
  }
  if (pending->forwarded.empty()) return Finish(pending);
  Forward(pending);
}

void IdempotencySink::Forward(const std::shared_ptr<Pending>& pending) {
  pending->inner_batch.clear();
  pending->inner_batch.reserve(pending->forwarded.size());
  for (std::size_t i : pending->forwarded) {
    const DedupAction* dedup = pending->dedup[i];
    pending->inner_batch.push_back(dedup != nullptr ? dedup->inner.get() : pending->actions[i]);
  }
  MutexLock lock(&inner_mutex_);
  if (inner_closed_) {
    lock.Unlock();
    for (std::size_t i : pending->forwarded) {
      pending->results[i] = ActionResult::Unavailable("the sink is closed");
    }
    // Only reachable on the worker: on the consume thread, Write would have found the tracker
    // closed before.
    return Finish(pending);
  }
  inner_->Write(pending->inner_batch, [this, pending](std::vector<ActionResult> results) {
    Delivered(pending, std::move(results));
  });
}

void IdempotencySink::Delivered(const std::shared_ptr<Pending>& pending,
                                std::vector<ActionResult> results) {
  const std::size_t count = std::min(results.size(), pending->forwarded.size());
  bool record = false;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t i = pending->forwarded[k];
    pending->results[i] = std::move(results[k]);
    const ActionOutcome outcome = pending->results[i].outcome;
    record = record ||
             (pending->dedup[i] != nullptr &&
              (outcome == ActionOutcome::kApplied || outcome == ActionOutcome::kAlreadyApplied));
  }
  for (std::size_t k = count; k < pending->forwarded.size(); ++k) {
    pending->results[pending->forwarded[k]] =
        ActionResult::Fatal("the sink answered fewer results than actions");
  }
  if (!record) return Finish(pending);
  OnWorker([this, pending] { RecordAndFinish(pending); });
}

void IdempotencySink::RecordAndFinish(const std::shared_ptr<Pending>& pending) {
  // One Record per (store, ttl): routes of one sink may differ in both.
  std::vector<bool> done(pending->actions.size(), false);
  for (std::size_t i : pending->forwarded) {
    const DedupAction* first = pending->dedup[i];
    if (first == nullptr || done[i]) continue;
    std::vector<std::string> keys;
    for (std::size_t j : pending->forwarded) {
      const DedupAction* action = pending->dedup[j];
      if (action == nullptr || done[j] || action->store != first->store ||
          action->ttl != first->ttl) {
        continue;
      }
      done[j] = true;
      const ActionOutcome outcome = pending->results[j].outcome;
      if (outcome == ActionOutcome::kApplied || outcome == ActionOutcome::kAlreadyApplied) {
        keys.push_back(action->key);
      }
    }
    if (keys.empty()) continue;
    Status status;
    for (int attempt = 1; attempt <= kRecordAttempts; ++attempt) {
      status = first->store->Record(keys, first->ttl);
      if (status.ok() || tracker_->closed()) break;
      if (attempt < kRecordAttempts) std::this_thread::sleep_for(kRecordBackoff * attempt);
    }
    if (!status.ok()) {
      spdlog::warn(
          "sink '{}': {} changes were delivered but their idempotency keys could not be "
          "recorded ({}); a re-emission of them would be delivered again",
          name_, keys.size(), status.ToString());
    }
  }
  Finish(pending);
}

void IdempotencySink::Finish(const std::shared_ptr<Pending>& pending) {
  for (std::size_t i = 0; i < pending->results.size(); ++i) {
    const std::ptrdiff_t original = pending->copy_of[i];
    if (original < 0) continue;
    ActionResult result = pending->results[static_cast<std::size_t>(original)];
    if (result.outcome == ActionOutcome::kApplied) {
      // The same change twice in one batch (a re-emission right behind its original).
      result = ActionResult::AlreadyApplied("idempotency key delivered in the same batch");
    }
    pending->results[i] = std::move(result);
  }
  std::shared_ptr<WriteTracker> tracker = pending->tracker;
  WriteCallback done = std::move(pending->done);
  done(std::move(pending->results));
  tracker->Done();
}

void IdempotencySink::OnWorker(std::function<void()> job) {
  if (!worker_->Post(job)) job();
}

void IdempotencySink::Close() {
  tracker_->Close();
  bool first = false;
  {
    MutexLock lock(&inner_mutex_);
    first = !inner_closed_;
    inner_closed_ = true;
  }
  // Cancels the real sink's writes in flight; their callbacks still run (Delivered).
  if (first) inner_->Close();
  tracker_->WaitIdle();
}

}  // namespace fanout
