// IdempotencySink: a Sink decorator that keeps a route from delivering one change twice, for
// sinks without native idempotency (HTTP). Routes bound with BindDeduplicated carry an
// idempotency key per action (IdempotencyKey in processor/core/idempotency_key.h: route, source
// position, op, table and row key; the same on every re-emission of the change). A Write then
//   1. looks the batch's keys up in the route's IdempotencyStore, on the IdempotencyWorker's
//      thread: a known key is answered kAlreadyApplied and not sent;
//   2. hands the rest to the real sink (one action per key: a key twice in one batch, a
//      re-emission right behind its original, is sent once and its copy gets the same answer);
//   3. records, again on the worker, the keys the real sink answered kApplied or
//      kAlreadyApplied, and only then calls back.
// Why in this order, and what it guarantees: dedup/README.md. A store that cannot be
// reached answers the whole batch kUnavailable (it retries without counting attempts): nothing
// is delivered unchecked. A store that fails otherwise (refused credentials) answers kFatal.
// A Record that keeps failing after the delivery does not undo it: the batch is answered as the
// sink answered it and a warning says the keys were not recorded (a later re-emission of those
// changes would be delivered again; retrying the delivery instead would duplicate it for sure).
//
// Routes bound with plain Bind pass through untouched (no lookup, no worker hop).
//
// Threading: Write, Bind and Close on the consume thread, as for any sink. The real sink's Write
// is called from the consume thread (batches without deduplicated actions) or the worker thread,
// never two at once (a mutex), and never after its Close. The built-in sinks' Write only posts to
// their strand, so a call from another thread is safe for them. Callbacks run on the worker
// thread or the real sink's I/O thread.
//
// Ownership: owns the real sink. The stores and the worker are not owned and must outlive
// Close().
#ifndef FANOUT_DEDUP_IDEMPOTENCY_SINK_H_
#define FANOUT_DEDUP_IDEMPOTENCY_SINK_H_

#include <chrono>
#include <memory>
#include <string>

#include "dedup/idempotency_store.h"
#include "dedup/idempotency_worker.h"
#include "processor/core/thread_annotations.h"
#include "sinks/sink.h"
#include "sinks/write_tracker.h"

namespace fanout {

class IdempotencySink final : public Sink {
 public:
  // `name` is the real sink's, for logs.
  IdempotencySink(std::unique_ptr<Sink> inner, IdempotencyWorker* worker, std::string name);
  ~IdempotencySink() override;

  // The real sink's builder, unchanged: the route is not deduplicated.
  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) override;

  // The real sink's builder, wrapped so that each action carries its idempotency key, checked
  // in and recorded to `store` for `ttl` (above zero). `store` outlives this sink.
  Result<std::unique_ptr<ActionBuilder>> BindDeduplicated(const RouteBinding& binding,
                                                          IdempotencyStore* store,
                                                          std::chrono::milliseconds ttl);

  Status Start(std::chrono::milliseconds timeout) override { return inner_->Start(timeout); }
  Status Probe(std::chrono::milliseconds timeout) override { return inner_->Probe(timeout); }
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override;
  std::size_t max_batch() const override { return inner_->max_batch(); }
  std::size_t max_concurrency() const override { return inner_->max_concurrency(); }
  // The real sink's, but one batch per lane and no chained writes: the worker hop and the
  // answers this decorator gives on its own (known keys) would break ChainedWriter's ordering
  // contract.
  SinkCapabilities capabilities() override {
    SinkCapabilities capabilities = inner_->capabilities();
    capabilities.max_batches_per_lane = 1;
    capabilities.chained_writer = nullptr;
    return capabilities;
  }
  // Closes the real sink (its in-flight writes call back kUnavailable), answers queued lookups
  // kUnavailable, and waits until every callback has run. Idempotent.
  void Close() override EXCLUDES(inner_mutex_);

  Sink& inner() { return *inner_; }

 private:
  struct Pending;
  void Check(const std::shared_ptr<Pending>& pending);
  void Forward(const std::shared_ptr<Pending>& pending) EXCLUDES(inner_mutex_);
  void Delivered(const std::shared_ptr<Pending>& pending, std::vector<ActionResult> results);
  void RecordAndFinish(const std::shared_ptr<Pending>& pending);
  // Answers every action of `pending` with `result` (from any thread but the consume thread).
  static void Finish(const std::shared_ptr<Pending>& pending);
  // Runs `job` on the worker; when the worker has stopped, right here.
  void OnWorker(std::function<void()> job);

  std::unique_ptr<Sink> inner_;
  IdempotencyWorker* worker_;
  std::string name_;
  std::shared_ptr<WriteTracker> tracker_;
  // Held across the inner sink's Write and its Close: one inner Write at a time, never after the
  // inner Close.
  Mutex inner_mutex_;
  bool inner_closed_ GUARDED_BY(inner_mutex_) = false;
};

}  // namespace fanout

#endif  // FANOUT_DEDUP_IDEMPOTENCY_SINK_H_
