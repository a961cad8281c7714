// The Redis sink (`type: redis`): cache invalidation (UNLINK), versioned cache writes (a Lua
// guard that applies only a newer-or-equal source version, deletes leaving a tombstone) and
// invalidation messages (PUBLISH), pipelined over a pool of plain-TCP RESP connections
// (effectively once: docs/ARCHITECTURE.md#guarantees). Semantics, settings and error classes:
// README.md here.
#ifndef FANOUT_SINKS_REDIS_REDIS_SINK_H_
#define FANOUT_SINKS_REDIS_REDIS_SINK_H_

#include <memory>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// Creates a Redis sink running on `runtime` (which must outlive it). InvalidArgument names the
// setting at fault (see ParseRedisSinkSettings); no connection is made until Start or Write.
Result<std::unique_ptr<Sink>> CreateRedisSink(const SinkSpec& spec, SinkRuntime& runtime);

// Registers CreateRedisSink with the "redis" spec (sinks/redis/spec.h).
Status RegisterRedisSink(SinkRegistry& registry);

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_REDIS_SINK_H_
