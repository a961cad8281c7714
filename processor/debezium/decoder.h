// DebeziumDecoder: turns one Kafka record written by Debezium's JsonConverter into a ChangeEvent.
//
// Understands the envelope with and without schema, records flattened by ExtractNewRecordState
// (`__op`, `__deleted`, `__table`, `__lsn`, `__source_ts_ms`), tombstones (RecordKind::kTombstone,
// never a delete of their own), heartbeats, transaction metadata and schema-change records.
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
  };

  DebeziumDecoder();
  explicit DebeziumDecoder(Options options);
  ~DebeziumDecoder();
  DebeziumDecoder(const DebeziumDecoder&) = delete;
  DebeziumDecoder& operator=(const DebeziumDecoder&) = delete;

  // Decodes `record` into `*event` (overwritten). On error `*event` is unspecified.
  Status Decode(const KafkaRecordView& record, ChangeEvent* event);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DEBEZIUM_DECODER_H_
