// IdempotencyWorker: the one thread on which idempotency stores block (their calls wait for a
// server round trip, which must never happen on the consume thread or a sink's Asio I/O thread;
// see idempotency_store.h). Jobs run one at a time in the order posted, so the stores, which are
// not thread-safe, need no locks; between jobs, every registered store's expired keys are purged
// once per purge interval.
//
// Thread-safety: every method may be called from any thread. Stop() must not be called from a
// job.
#ifndef FANOUT_DEDUP_IDEMPOTENCY_WORKER_H_
#define FANOUT_DEDUP_IDEMPOTENCY_WORKER_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "dedup/idempotency_store.h"
#include "processor/core/thread_annotations.h"

namespace fanout {

class IdempotencyWorker {
 public:
  // Starts the thread. Purges run every `purge_interval`, the first one after one interval.
  explicit IdempotencyWorker(std::chrono::milliseconds purge_interval = std::chrono::minutes(5));
  ~IdempotencyWorker();
  IdempotencyWorker(const IdempotencyWorker&) = delete;
  IdempotencyWorker& operator=(const IdempotencyWorker&) = delete;

  // Purges `store` periodically from now on. The store must outlive the worker's thread (Stop).
  void PurgeEvery(IdempotencyStore* store) EXCLUDES(mutex_);

  // Runs `job` on the worker thread after the jobs posted before it. False when the worker is
  // stopped: the job was not taken and the caller must finish its work itself.
  [[nodiscard]] bool Post(std::function<void()> job) EXCLUDES(mutex_);

  // Runs the jobs already posted, then joins the thread. Idempotent.
  void Stop() EXCLUDES(mutex_);

 private:
  void Run() EXCLUDES(mutex_);
  void PurgeAll() EXCLUDES(mutex_);

  const std::chrono::milliseconds purge_interval_;
  Mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mutex_);
  std::vector<IdempotencyStore*> purged_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace fanout

#endif  // FANOUT_DEDUP_IDEMPOTENCY_WORKER_H_
