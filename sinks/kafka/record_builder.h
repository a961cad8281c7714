// Builds the record a route writes to a downstream Kafka topic. Pure: no I/O, no client.
//
//   topic    the route's `topic` template
//   key      the route's `key` template, or the source record's key bytes
//   value    `after` (default): the projected after-image as JSON, null (a tombstone) for a
//            delete; `envelope`: the source record's value bytes unchanged
//   headers  fanout.route, fanout.op, fanout.table, fanout.position and fanout.source.{topic,
//            partition,offset}: where the change came from, for consumers and for audits
#ifndef FANOUT_SINKS_KAFKA_RECORD_BUILDER_H_
#define FANOUT_SINKS_KAFKA_RECORD_BUILDER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/kafka/producer.h"
#include "processor/sink/kafka_output.h"
#include "processor/route/router.h"

namespace fanout {

enum class KafkaValueMode { kAfter, kEnvelope };

// Fills `*out` (overwritten). InvalidArgument when a template cannot be filled for this event:
// a bad record for this route only.
Status BuildKafkaRecord(const CompiledRoute& route, KafkaValueMode mode, const ChangeEvent& event,
                        const KafkaRecordView& source, OutgoingRecord* out);

// The KafkaOutputBuilder of `route` (which must outlive it), with the route's sink options from
// the YAML: `value: envelope` selects KafkaValueMode::kEnvelope, anything else kAfter.
std::unique_ptr<KafkaOutputBuilder> MakeKafkaOutputBuilder(
    const CompiledRoute& route, const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace fanout

#endif  // FANOUT_SINKS_KAFKA_RECORD_BUILDER_H_
