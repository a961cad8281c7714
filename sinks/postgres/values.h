// How the PostgreSQL sink writes decoded values (processor/core/value.h): every parameter is
// sent as text and cast to the target column's type in the statement (`$3::numeric`), so the
// server parses exact decimals, timestamps, uuids and json itself and nothing goes through a
// double. Also identifier quoting and the version a guarded write compares. Pure: no I/O.
#ifndef FANOUT_SINKS_POSTGRES_VALUES_H_
#define FANOUT_SINKS_POSTGRES_VALUES_H_

#include <optional>
#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/core/value.h"

namespace fanout {

// The text form PostgreSQL's input functions accept for `value`; nullopt for SQL NULL.
//   bool → true/false; int → decimal; double → shortest round-trip text, NaN, Infinity;
//   string, json, decimal → as they are; bytes → bytea hex (\x0a1b...).
// REQUIRES: value.kind() != kUnchanged (the caller leaves such columns out).
std::optional<std::string> RenderValue(const Value& value);

// The column type `ALTER TABLE ... ADD COLUMN` uses for a new column first seen holding a value
// of `kind` (auto_evolve): boolean, bigint, double precision, text, jsonb, numeric, bytea.
std::string_view SqlTypeFor(Value::Kind kind);

// "name" with embedded quotes doubled.
std::string QuoteIdentifier(std::string_view name);
// `schema.table` → "schema"."table"; a name without a dot is quoted alone.
std::string QuoteQualified(std::string_view qualified);

// The version of a guarded write, as the decimal text of a non-negative integer (the version
// column should be `numeric`), ordered like the source positions it comes from:
//   PostgreSQL  sequence[0] * 2^64 + lsn   -- commit-ordered (sequence[0], lsn), the same order
//                                             as the Redis guard (sinks/redis/guard.h); no int64
//                                             limit here, so no max() approximation is needed
//   MySQL       file * 2^64 + pos * 2^32 + row
//   Kafka       the offset (fallback; weaker, see docs/ARCHITECTURE.md#source-positions)
// InvalidArgument when a MySQL pos or row is 2^32 or more, or there is neither a position nor
// an offset.
Result<std::string> PostgresVersion(const ChangeEvent& event, const KafkaRecordView& record);

// Decimal text of hi * 2^64 + lo.
std::string Uint128ToDecimal(std::uint64_t hi, std::uint64_t lo);

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_VALUES_H_
