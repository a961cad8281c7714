// The ClickHouse sink (`type: clickhouse`): inserts each change as a row of a
// ReplacingMergeTree(_version) table with `INSERT ... FORMAT JSONEachRow` over a pool of
// HTTP/1.1 keep-alive connections (sinks/net), a delete as a row with `_deleted = 1`. Replays
// are harmless: rows of one key collapse to the highest `_version` (at least once delivery,
// exactly once in the `FINAL` view: docs/ARCHITECTURE.md#guarantees). Semantics, settings, type
// mapping and error classes: README.md here.
#ifndef FANOUT_SINKS_CLICKHOUSE_CLICKHOUSE_SINK_H_
#define FANOUT_SINKS_CLICKHOUSE_CLICKHOUSE_SINK_H_

#include <chrono>
#include <memory>
#include <string>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// Creates a ClickHouse sink running on `runtime` (which must outlive it). InvalidArgument names
// the setting at fault (see ParseClickHouseSinkSettings); no connection is made until Start or
// Write.
Result<std::unique_ptr<Sink>> CreateClickHouseSink(const SinkSpec& spec, SinkRuntime& runtime);

// Registers CreateClickHouseSink with the "clickhouse" spec (sinks/clickhouse/spec.h).
Status RegisterClickHouseSink(SinkRegistry& registry);

// Runs one statement (DDL: `fanout init-sink --create`) on the server of sink `spec`, on a
// runtime of its own; returns what the server answered (a SELECT's rows as text).
// InvalidArgument for bad settings, FailedPrecondition for an error answer, Unavailable when the
// server cannot be reached.
Result<std::string> RunClickHouseStatement(const SinkSpec& spec, const std::string& statement,
                                           std::chrono::milliseconds timeout);

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_CLICKHOUSE_SINK_H_
