// The PostgreSQL sink (`type: postgres`): mirrors rows into a target database (upsert by key,
// delete, opt-in truncate, optional version guard) or appends every change to an audit table,
// exactly once: each batch is one transaction that also advances the processed offsets of its
// routes' partitions (sinks/postgres/processed_offsets.h), and every statement is guarded by them.
// libpq in non-blocking pipeline mode on the runtime's Asio threads, a small connection pool.
// Semantics, settings and error classes: README.md here.
#ifndef FANOUT_SINKS_POSTGRES_POSTGRES_SINK_H_
#define FANOUT_SINKS_POSTGRES_POSTGRES_SINK_H_

#include <memory>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// Creates a PostgreSQL sink running on `runtime` (which must outlive it). InvalidArgument names
// the setting at fault (see ParsePostgresSinkSettings); no connection is made until Start,
// Write or OnPartitionsAssigned.
Result<std::unique_ptr<Sink>> CreatePostgresSink(const SinkSpec& spec, SinkRuntime& runtime);

// Registers CreatePostgresSink with the "postgres" spec (sinks/postgres/spec.h).
Status RegisterPostgresSink(SinkRegistry& registry);

// `fanout init-sink`: creates the processed-offsets tables of the sink described by `spec`
// (blocking, bounded by its timeout). Errors: InvalidArgument for bad settings, Unavailable
// when the database cannot be reached, FailedPrecondition when the DDL fails.
Status InitPostgresSink(const SinkSpec& spec);

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_POSTGRES_SINK_H_
