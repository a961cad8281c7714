// IdempotencyStores: the idempotency-key stores of one fanout process, one per sink named as a
// route's `dedup.store`, and the one IdempotencyWorker thread they all block on.
//
// Thread-safety: Get, Start and Stop on the thread that wires the sinks up (startup, shutdown).
// Stop after every IdempotencySink using these stores is closed; destroy after Stop.
#ifndef FANOUT_DEDUP_IDEMPOTENCY_STORES_H_
#define FANOUT_DEDUP_IDEMPOTENCY_STORES_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dedup/idempotency_store.h"
#include "dedup/idempotency_worker.h"
#include "sinks/sink.h"

namespace fanout {

class IdempotencyStores {
 public:
  // `key_prefix` namespaces every key (fanout passes its consumer group).
  explicit IdempotencyStores(std::string key_prefix) : key_prefix_(std::move(key_prefix)) {}
  ~IdempotencyStores() { Stop(); }

  // The store that keeps its keys in the server of sink `spec` (redis or postgres), created on
  // first use; expired keys are purged periodically. InvalidArgument: see
  // CreateIdempotencyStore.
  Result<IdempotencyStore*> Get(const SinkSpec& spec);

  IdempotencyWorker& worker() { return worker_; }

  // Connects every store (creating the PostgreSQL table). A store that cannot be reached now is
  // only warned about: deduplicated routes wait (kUnavailable) until it is back. Anything else
  // is returned.
  Status Start();

  // Stops the worker thread. Idempotent.
  void Stop() { worker_.Stop(); }

  std::size_t size() const { return stores_.size(); }

 private:
  std::string key_prefix_;
  std::vector<std::pair<std::string, std::unique_ptr<IdempotencyStore>>> stores_;  // by sink
  IdempotencyWorker worker_;  // last: its thread stops before the stores go
};

}  // namespace fanout

#endif  // FANOUT_DEDUP_IDEMPOTENCY_STORES_H_
