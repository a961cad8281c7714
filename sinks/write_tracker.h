// WriteTracker: the bookkeeping every asynchronous sink needs to honour Sink::Close() — count the
// Write calls whose callback has not finished, refuse new work once closed, and let Close wait
// until the last callback is done. Held by shared_ptr: the last callback may finish after the
// sink object is gone.
//
// Thread-safety: every method may be called from any thread.
#ifndef FANOUT_SINKS_WRITE_TRACKER_H_
#define FANOUT_SINKS_WRITE_TRACKER_H_

#include <condition_variable>
#include <cstddef>

#include "processor/core/thread_annotations.h"

namespace fanout {

class WriteTracker {
 public:
  // Counts one more Write (its callback must call Done). Returns false when the sink is closed:
  // the write is still counted and must be answered, with kUnavailable.
  bool Begin() EXCLUDES(mutex_) {
    MutexLock lock(&mutex_);
    ++in_flight_;
    return !closed_;
  }

  // The callback of one Write has finished.
  void Done() EXCLUDES(mutex_) {
    MutexLock lock(&mutex_);
    if (--in_flight_ == 0) idle_.notify_all();
  }

  bool closed() const EXCLUDES(mutex_) {
    MutexLock lock(&mutex_);
    return closed_;
  }

  // Marks the sink closed; true for the first call only (the one that cancels I/O).
  bool Close() EXCLUDES(mutex_) {
    MutexLock lock(&mutex_);
    const bool first = !closed_;
    closed_ = true;
    return first;
  }

  // Blocks until every counted Write has finished.
  void WaitIdle() EXCLUDES(mutex_) {
    MutexLock lock(&mutex_);
    idle_.wait(lock.native(), [this]() REQUIRES(mutex_) { return in_flight_ == 0; });
  }

 private:
  mutable Mutex mutex_;
  std::condition_variable idle_;
  std::size_t in_flight_ GUARDED_BY(mutex_) = 0;
  bool closed_ GUARDED_BY(mutex_) = false;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_WRITE_TRACKER_H_
