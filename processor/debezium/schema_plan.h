// SchemaPlan: what the decoder needs from a Kafka Connect schema (JsonConverter
// `schemas.enable=true`), extracted once: for each struct field its name and how to decode its
// value (the logical type named by the field schema's `name`, with its parameters).
//
// SchemaPlanCache keeps plans keyed by the exact bytes of the `schema` member, so a schema that
// repeats on every record (it does: JsonConverter writes it each time) is walked once. Internal
// to processor/debezium.
#ifndef FANOUT_PROCESSOR_DEBEZIUM_SCHEMA_PLAN_H_
#define FANOUT_PROCESSOR_DEBEZIUM_SCHEMA_PLAN_H_

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "processor/core/status.h"

namespace fanout::debezium {

enum class FieldType : std::uint8_t {
  kPlain,                 // no logical type: the JSON value as it is
  kBytes,                 // plain `bytes`, io.debezium.data.Bits: base64 → Value::kBytes
  kDecimal,               // org.apache.kafka.connect.data.Decimal: base64 unscaled (or a number)
  kVariableScaleDecimal,  // io.debezium.data.VariableScaleDecimal: {scale, value}
  kDate,                  // days since the epoch
  kTime,                  // units past midnight (units_per_second)
  kTimestamp,             // units since the epoch (units_per_second)
  kJson,                  // io.debezium.data.Json: JSON text to re-parse
  kText,                  // logical types already carried as text (Uuid, Enum, Zoned*, Iso*, ...)
  kZonedTimestamp,        // io.debezium.time.ZonedTimestamp: text, but see row_decoder.cc
  kArray,                 // an array whose items have a logical type (`element`)
};

struct StructPlan;

struct FieldPlan {
  std::string name;
  std::string logical_name;  // the schema `name`, for error messages ("" when none)
  FieldType type = FieldType::kPlain;
  std::int32_t scale = 0;                // kDecimal
  std::int64_t units_per_second = 1000;  // kTime, kTimestamp
  std::unique_ptr<StructPlan> nested;    // for struct fields (an envelope's before/after/message)
  // kArray: how each item is decoded. An array whose items need no decoding (int, text, ...,
  // and Json, whose items stay the JSON text strings Debezium sends: decoding them would make
  // an SQL NULL item and a JSON `null` item the same) stays kPlain.
  std::unique_ptr<FieldPlan> element;
};

struct StructPlan {
  std::vector<FieldPlan> fields;
  // The field called `name`. Fields usually arrive in schema order, so `hint` (the position in
  // the payload) is tried first.
  const FieldPlan* Find(std::string_view name, std::size_t hint) const;
  const StructPlan* Nested(std::string_view name) const;
};

struct SchemaPlan {
  std::string name;  // the top-level schema name ("x.public.t.Envelope", "...Value", "...Key")
  StructPlan root;   // empty unless the schema is a struct
};

// Builds the plan for one schema. InvalidArgument for a schema that is malformed or whose
// logical-type parameters are (e.g. a Decimal without a numeric `scale`).
Result<std::unique_ptr<SchemaPlan>> BuildSchemaPlan(simdjson::dom::element schema);

class SchemaPlanCache {
 public:
  // At most `capacity` plans are kept; the least recently used is replaced.
  explicit SchemaPlanCache(std::size_t capacity);

  // The plan for `schema_text` (the raw JSON of a `schema` member) seen on `topic` as a key
  // (`is_key`) or value. Builds and caches it on a miss. Not thread-safe.
  Result<const SchemaPlan*> Get(std::string_view topic, bool is_key, std::string_view schema_text);

  // The hit path without any scan: if `text` starts with the schema last seen on (topic,
  // is_key), returns its plan and sets `*length` to that schema's size; else null. The caller
  // must check that the schema value really ends there (what follows is `,`).
  const SchemaPlan* MatchPrefix(std::string_view topic, bool is_key, std::string_view text,
                                std::size_t* length);

  std::size_t builds() const { return builds_; }  // how many plans were built (for tests)

 private:
  struct Entry {
    std::string text;
    std::size_t hash = 0;
    std::uint64_t last_use = 0;
    std::unique_ptr<SchemaPlan> plan;
  };
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::size_t capacity_;
  std::uint64_t clock_ = 0;
  std::size_t builds_ = 0;
  // Entries are never freed, only reused, so the per-topic memo below may point at one that now
  // holds another schema: the memo is always confirmed by comparing the bytes.
  std::vector<std::unique_ptr<Entry>> entries_;
  // The last entry used per (topic, key/value): the hit path is one lookup and one memcmp, with
  // no hashing of the (often several KB) schema text.
  std::unordered_map<std::string, Entry*, TransparentHash, std::equal_to<>> memo_;
  std::string memo_key_;
  simdjson::dom::parser parser_;
};

}  // namespace fanout::debezium

#endif  // FANOUT_PROCESSOR_DEBEZIUM_SCHEMA_PLAN_H_
