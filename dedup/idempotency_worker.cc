#include "dedup/idempotency_worker.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace fanout {

IdempotencyWorker::IdempotencyWorker(std::chrono::milliseconds purge_interval)
    : purge_interval_(purge_interval), thread_([this] { Run(); }) {}

IdempotencyWorker::~IdempotencyWorker() { Stop(); }

void IdempotencyWorker::PurgeEvery(IdempotencyStore* store) {
  MutexLock lock(&mutex_);
  purged_.push_back(store);
}

bool IdempotencyWorker::Post(std::function<void()> job) {
  {
    MutexLock lock(&mutex_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void IdempotencyWorker::Stop() {
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void IdempotencyWorker::Run() {
  auto next_purge = std::chrono::steady_clock::now() + purge_interval_;
  MutexLock lock(&mutex_);
  for (;;) {
    wake_.wait_until(lock.native(), next_purge,
                     [this]() REQUIRES(mutex_) { return stopping_ || !jobs_.empty(); });
    // Checked between any two jobs, so that a busy queue cannot put purges off forever.
    if (!stopping_ && std::chrono::steady_clock::now() >= next_purge) {
      lock.Unlock();
      PurgeAll();
      lock.Lock();
      next_purge = std::chrono::steady_clock::now() + purge_interval_;
    }
    if (!jobs_.empty()) {
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.Unlock();
      job();
      lock.Lock();
      continue;
    }
    if (stopping_) return;
  }
}

void IdempotencyWorker::PurgeAll() {
  std::vector<IdempotencyStore*> stores;
  {
    MutexLock lock(&mutex_);
    stores = purged_;
  }
  for (IdempotencyStore* store : stores) {
    Result<std::size_t> purged = store->Purge();
    if (!purged.ok()) {
      // The next round tries again; expired keys only take room meanwhile.
      spdlog::warn("{} idempotency store: purge of expired keys failed: {}", store->type(),
                   purged.status().ToString());
    } else if (*purged > 0) {
      spdlog::info("{} idempotency store: {} expired keys purged", store->type(), *purged);
    }
  }
}

}  // namespace fanout
