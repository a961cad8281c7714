// IdempotencyStore: remembers which changes a route has already delivered, by idempotency key,
// for routes whose sink cannot tell a re-delivered change from a new one (HTTP: see
// docs/ARCHITECTURE.md#guarantees).
//
// The key comes from the route and the change's *source position* (see IdempotencyKey in
// processor/core/idempotency_key.h), never from the Kafka offset alone: Debezium re-emits a change
// at a new Kafka offset after its own restart, and that re-emission must be recognised too.
//
// Used by IdempotencySink (dedup/idempotency_sink.h) in the order check (Contains), deliver,
// record (Record), and only then is the batch reported done; why that order, and the crash window
// it leaves: dedup/README.md, "Order: check, deliver, record".
//
// Retention: a key is forgotten `ttl` after it was recorded; a re-emission later than that is
// delivered again. Stores with server-side expiry (Redis) need no Purge; the others delete
// expired keys when Purge is called (the worker does so periodically).
//
// Ownership and threading: a store is not thread-safe; one thread (the IdempotencyWorker's)
// calls it at a time. Every call blocks, bounded by the store's timeout, so it must never run on
// the consume thread or a sink I/O thread. A store (re)connects lazily: a call after the server
// was lost tries to connect again.
//
// Errors: Unavailable or DeadlineExceeded: the server cannot be reached or did not answer in
// time (retry later; a Record may or may not have happened). PermissionDenied-like failures and
// anything else (refused credentials, a missing privilege, a broken schema) are returned as
// FailedPrecondition or Internal: fanout cannot go on with this store.
#ifndef FANOUT_DEDUP_IDEMPOTENCY_STORE_H_
#define FANOUT_DEDUP_IDEMPOTENCY_STORE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;

  // Connects (and prepares what the store needs, such as its table) within the store's timeout.
  // Unavailable: not now (later calls try again); anything else: misconfigured.
  [[nodiscard]] virtual Status Start() = 0;

  // For each key, whether it was recorded and has not expired. One round trip for the batch.
  [[nodiscard]] virtual Result<std::vector<bool>> Contains(std::span<const std::string> keys) = 0;

  // Records `keys` as delivered for `ttl` (above zero). A key already recorded and not expired
  // is left as it is (its first recording's expiry holds). One round trip for the batch.
  [[nodiscard]] virtual Status Record(std::span<const std::string> keys,
                                      std::chrono::milliseconds ttl) = 0;

  // Deletes expired keys; returns how many. Stores that expire keys themselves return 0.
  [[nodiscard]] virtual Result<std::size_t> Purge() = 0;

  // "redis" or "postgres", for logs.
  virtual std::string_view type() const = 0;
};

// Creates the store that reuses the connection settings of sink `spec` (its `url` and
// credentials for redis, its `dsn` for postgres). `key_prefix` namespaces the keys (fanout uses
// the consumer group, so two deployments sharing a server do not suppress each other's
// deliveries). No I/O. InvalidArgument: a sink type that cannot hold idempotency keys, or
// settings that do not fit (named, never quoted: they may hold secrets).
Result<std::unique_ptr<IdempotencyStore>> CreateIdempotencyStore(const SinkSpec& spec,
                                                                 std::string key_prefix);

}  // namespace fanout

#endif  // FANOUT_DEDUP_IDEMPOTENCY_STORE_H_
