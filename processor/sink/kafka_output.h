// KafkaOutputBuilder: how a route to a Kafka sink turns an event into the record it produces
// inside the open transaction (the synchronous counterpart of ActionBuilder; the Kafka sink's
// implementation is sinks/kafka/record_builder.h). Pure: no I/O.
//
// Thread-safety: Build is const and called on the consume thread only.
#ifndef FANOUT_PROCESSOR_SINK_KAFKA_OUTPUT_H_
#define FANOUT_PROCESSOR_SINK_KAFKA_OUTPUT_H_

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/kafka/producer.h"

namespace fanout {

class KafkaOutputBuilder {
 public:
  virtual ~KafkaOutputBuilder() = default;
  // Fills `*out` (overwritten) with the record for `event`, read from `source`. InvalidArgument
  // when a template cannot be filled for this event: a bad record for this route only.
  virtual Status Build(const ChangeEvent& event, const KafkaRecordView& source,
                       OutgoingRecord* out) const = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_SINK_KAFKA_OUTPUT_H_
