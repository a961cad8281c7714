// The PostgreSQL sink's settings (`dsn`, `pool_size`, `batch_size`, `timeout`, `offsets_table`,
// `auto_evolve`, `on_schema_drift`), read from the typed values of its spec
// (sinks/postgres/spec.cc) and checked once, when the sink is created. Pure: no I/O.
//
// `dsn` holds credentials: error messages name the setting at fault and never quote its value.
#ifndef FANOUT_SINKS_POSTGRES_SETTINGS_H_
#define FANOUT_SINKS_POSTGRES_SETTINGS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// What the sink does with an event carrying a column the target table lacks while
// `auto_evolve` is off.
enum class SchemaDriftAction : std::uint8_t {
  kDeadLetter,  // the action is a bad record (dead-lettered with the missing columns named)
  kFail,        // fatal: fanout stops, nothing of the batch is written
};

struct PostgresSinkSettings {
  std::string dsn;  // libpq conninfo ("host=... dbname=...") or URI (postgresql://...)
  std::size_t pool_size = 4;
  std::size_t batch_size = 500;
  std::chrono::milliseconds timeout{10000};  // connect, or one pipelined transaction
  // Where processed offsets live: `[schema.]table`. Dead-lettered offsets live beside it, in
  // `<offsets_table>_rejected`.
  std::string offsets_table = "fanout_processed_offsets";
  bool auto_evolve = false;
  SchemaDriftAction on_schema_drift = SchemaDriftAction::kDeadLetter;
  // The Kafka consumer group (kafka.group.id): part of every processed-offsets key.
  std::string consumer_group;
};

// InvalidArgument naming the setting at fault: a setting the spec (sinks/postgres/spec.cc)
// refuses (unknown, or out of its range: `timeout` is at most 2^31-1 ms, PostgreSQL's
// statement_timeout being an int); a missing or unparsable `dsn`; an `offsets_table` that is
// not `[schema.]name` of letters, digits and `_`; no consumer group.
Result<PostgresSinkSettings> ParsePostgresSinkSettings(const SinkSpec& spec);

// Whether `name` is `[schema.]table` made of [A-Za-z0-9_] parts not starting with a digit.
bool IsPlainQualifiedName(std::string_view name);

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_SETTINGS_H_
