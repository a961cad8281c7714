// The PostgreSQL idempotency store: table `fanout_idempotency_keys(key text primary key,
// expires_at timestamptz)`, created if missing; keys recorded with one
// `INSERT ... SELECT unnest($1::text[]) ... ON CONFLICT (key) DO UPDATE ... WHERE expired` and
// checked with `key = ANY($1) AND expires_at > now()`; Purge deletes expired rows (bounded
// batches). A synchronous libpq connection whose waits are bounded by the timeout (poll on the
// socket): the store runs on the IdempotencyWorker's thread only (see idempotency_store.h).
#ifndef FANOUT_DEDUP_POSTGRES_STORE_H_
#define FANOUT_DEDUP_POSTGRES_STORE_H_

#include <chrono>
#include <memory>
#include <string>

#include "dedup/idempotency_store.h"
#include "sinks/sink.h"

namespace fanout {

struct PostgresStoreOptions {
  std::string dsn;  // libpq conninfo or URI; holds credentials: never logged
  std::string table = "fanout_idempotency_keys";
  std::string key_prefix;  // prepended to every key as "<prefix>:"
  std::chrono::milliseconds timeout{10000};
};

// No I/O. InvalidArgument: an empty dsn or a table that is not `[schema.]name`.
Result<std::unique_ptr<IdempotencyStore>> CreatePostgresIdempotencyStore(
    PostgresStoreOptions options);

// From a postgres sink's settings: its `dsn` and `timeout` (parsed as the sink parses them).
Result<std::unique_ptr<IdempotencyStore>> CreatePostgresIdempotencyStore(const SinkSpec& spec,
                                                                         std::string key_prefix);

}  // namespace fanout

#endif  // FANOUT_DEDUP_POSTGRES_STORE_H_
