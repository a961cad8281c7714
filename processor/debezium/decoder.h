// DebeziumDecoder: turns one Kafka record written by Debezium's JsonConverter into a ChangeEvent.
//
// Understands the envelope with and without schema, records flattened by ExtractNewRecordState
// (`__op`, `__deleted`, `__table`, `__lsn`, `__source_ts_ms`), tombstones (RecordKind::kTombstone,
// never a delete of their own), heartbeats, transaction metadata and schema-change records, PG
// logical-decoding messages (op m → ChangeEvent::message) and the primary-key-change headers
// `__debezium.oldkey` / `__debezium.newkey` (→ ChangeEvent::old_key / new_key).
//
// Values: with `schemas.enable=true` the schema's logical types are decoded to natural values
// (see row_decoder.h: Decimal → exact kDecimal text, Date/Time/Timestamp → ISO-8601, Json →
// re-parsed kJson, bytes/Bits → kBytes). The schema's decode plan is cached by its exact bytes.
// Without a schema values stay as Debezium encoded them (a Decimal is its base64 string, a Date
// its day count): the encoding is not knowable from the value alone. Integers are exact int64
// (above int64: exact kDecimal text); the unchanged-TOAST placeholder, in every type-specific
// shape, is Value::kUnchanged with or without a schema.
//
// Members the decoder does not use (e.g. `transaction`, `ts_ns`) are skipped, not validated.
//
// Errors: anything it cannot decode returns InvalidArgument with a message that says what was
// wrong (bad JSON, wrong type, missing field, oversize). It never throws and never crashes on
// hostile input; the caller routes the record to the dead-letter path.
//
// Thread-safety: not thread-safe. It reuses a parser and buffers between calls, so use one
// decoder per thread.
#ifndef FANOUT_PROCESSOR_DEBEZIUM_DECODER_H_
#define FANOUT_PROCESSOR_DEBEZIUM_DECODER_H_

#include <cstddef>
#include <memory>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

class DebeziumDecoder {
 public:
  struct Options {
    // Records whose key or value is larger are rejected as oversize.
    std::size_t max_record_bytes = 16 * 1024 * 1024;
    // Distinct schemas (key and value schemas of every topic, and their versions) whose decode
    // plans are kept; the least recently used is rebuilt when it comes back.
    std::size_t max_cached_schemas = 256;
  };

  DebeziumDecoder();
  explicit DebeziumDecoder(Options options);
  ~DebeziumDecoder();
  DebeziumDecoder(const DebeziumDecoder&) = delete;
  DebeziumDecoder& operator=(const DebeziumDecoder&) = delete;

  // Decodes `record` into `*event` (overwritten). On error `*event` is unspecified. Reusing
  // one `*event` across calls reuses its rows' storage, so steady decoding does not allocate.
  Status Decode(const KafkaRecordView& record, ChangeEvent* event);

  // How many schema plans were built so far (a cache miss builds one); for tests and metrics.
  std::size_t schema_plans_built() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DEBEZIUM_DECODER_H_
