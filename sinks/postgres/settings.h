// The PostgreSQL sink's settings (`dsn`, `pool_size`, `batch_size`, `timeout`, `offsets_table`,
// `auto_evolve`, `on_schema_drift`), parsed and checked once, when the sink is created. Pure: no
// I/O.
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

// InvalidArgument naming the setting at fault: a missing `dsn`; `pool_size` outside 1..256;
// `batch_size` outside 1..100000; a bad `timeout`; an `offsets_table` that is not
// `[schema.]name` of letters, digits and `_`; `auto_evolve` not true/false; `on_schema_drift`
// not dead_letter/fail; no consumer group; any setting the postgres sink does not know.
Result<PostgresSinkSettings> ParsePostgresSinkSettings(const SinkSpec& spec);

// A duration as everywhere in the config (processor/core/duration.h), above zero and at most
// 2^31-1 ms (PostgreSQL's statement_timeout is an int).
Result<std::chrono::milliseconds> ParsePostgresDuration(std::string_view text);

// Whether `name` is `[schema.]table` made of [A-Za-z0-9_] parts not starting with a digit.
bool IsPlainQualifiedName(std::string_view name);

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_SETTINGS_H_
