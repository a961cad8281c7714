#include "dedup/idempotency_store.h"

#include "dedup/postgres_store.h"
#include "dedup/redis_store.h"

namespace fanout {

Result<std::unique_ptr<IdempotencyStore>> CreateIdempotencyStore(const SinkSpec& spec,
                                                                 std::string key_prefix) {
  if (spec.type == "redis") return CreateRedisIdempotencyStore(spec, std::move(key_prefix));
  if (spec.type == "postgres") return CreatePostgresIdempotencyStore(spec, std::move(key_prefix));
  return InvalidArgument("a " + spec.type +
                         " sink cannot hold idempotency keys (a redis or postgres sink can)");
}

}  // namespace fanout
