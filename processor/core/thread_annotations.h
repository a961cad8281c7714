// Clang's thread-safety annotations, and a mutex that carries them.
//
// The annotations let clang's -Wthread-safety (on in every clang build, an error: see
// cmake/Warnings.cmake and `make tsan`) prove at compile time that state marked GUARDED_BY(mu) is
// only touched with mu held. libstdc++'s std::mutex is not annotated, so the analysis needs the
// Mutex / MutexLock wrappers below; under GCC the macros expand to nothing and the wrappers are a
// plain std::mutex and std::unique_lock.
//
//   class Counter {
//    public:
//     void Add() EXCLUDES(mutex_) { MutexLock lock(&mutex_); ++n_; }
//    private:
//     Mutex mutex_;
//     int n_ GUARDED_BY(mutex_) = 0;
//   };
//
// A std::condition_variable waits on MutexLock::native(); its predicate is a separate function to
// the analysis, so it says it runs with the lock held: [this]() REQUIRES(mutex_) { ... }.
#ifndef FANOUT_PROCESSOR_CORE_THREAD_ANNOTATIONS_H_
#define FANOUT_PROCESSOR_CORE_THREAD_ANNOTATIONS_H_

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define FANOUT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FANOUT_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) FANOUT_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY FANOUT_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) FANOUT_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) FANOUT_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) FANOUT_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) FANOUT_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) FANOUT_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) FANOUT_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) FANOUT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) FANOUT_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) FANOUT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) FANOUT_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) FANOUT_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) FANOUT_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) FANOUT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) FANOUT_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) FANOUT_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS FANOUT_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace fanout {

// A std::mutex the analysis knows about. Lock()/Unlock() for the rare code that cannot use a
// MutexLock; lock()/unlock() make it BasicLockable for the standard library.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mutex_.lock(); }
  void Unlock() RELEASE() { mutex_.unlock(); }
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

  // The wrapped mutex, for a std::unique_lock (MutexLock uses it).
  std::mutex& native() RETURN_CAPABILITY(this) { return mutex_; }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope, like std::unique_lock: Unlock()/Lock() release and retake it in
// between (the analysis follows), and native() lends the std::unique_lock to a
// std::condition_variable.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ACQUIRE(mutex) : lock_(mutex->native()) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() { lock_.unlock(); }
  void Lock() ACQUIRE() { lock_.lock(); }

  // For std::condition_variable::wait*: it returns with the mutex held again, so to the analysis
  // the lock is held throughout.
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

// A std::shared_mutex the analysis knows about: ReaderMutexLock holds it shared, WriterMutexLock
// exclusively; state GUARDED_BY it may be read under either and written under the writer's only.
class CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() { mutex_.lock(); }
  void Unlock() RELEASE() { mutex_.unlock(); }
  void LockShared() ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void UnlockShared() RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

class SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex* mutex) ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_->LockShared();
  }
  ~ReaderMutexLock() RELEASE() { mutex_->UnlockShared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex* mutex_;
};

class SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex* mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_->Lock(); }
  ~WriterMutexLock() RELEASE() { mutex_->Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex* mutex_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_THREAD_ANNOTATIONS_H_
