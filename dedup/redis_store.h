// The Redis idempotency store: one key per delivered change, `<prefix>:idempotency:<key>`, set
// with `SET key 1 NX PX <ttl>` so Redis itself forgets it after the TTL (no Purge needed), and
// checked with pipelined EXISTS. A synchronous hiredis connection: the store runs on the
// IdempotencyWorker's thread only (see idempotency_store.h).
#ifndef FANOUT_DEDUP_REDIS_STORE_H_
#define FANOUT_DEDUP_REDIS_STORE_H_

#include <memory>
#include <string>

#include "dedup/idempotency_store.h"
#include "sinks/sink.h"

namespace fanout {

// Reuses the redis sink's `url`, `username`, `password` and `timeout`. InvalidArgument: settings
// the redis sink would reject, or a `rediss://` url (TLS is not supported by the store yet).
Result<std::unique_ptr<IdempotencyStore>> CreateRedisIdempotencyStore(const SinkSpec& spec,
                                                                      std::string key_prefix);

}  // namespace fanout

#endif  // FANOUT_DEDUP_REDIS_STORE_H_
