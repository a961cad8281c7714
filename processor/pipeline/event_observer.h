// What the decode -> route -> dispatch step reports per record, for the progress lines, the
// final summary and the metrics: a narrow interface the pipeline calls and observability/
// implements (EventStats), so that processor/ depends on no metrics library.
//
// Thread-safety: called on the consume loop's thread only.
#ifndef FANOUT_PROCESSOR_PIPELINE_EVENT_OBSERVER_H_
#define FANOUT_PROCESSOR_PIPELINE_EVENT_OBSERVER_H_

#include <string_view>

#include "processor/core/change_event.h"

namespace fanout {

class EventObserver {
 public:
  virtual ~EventObserver() = default;
  // A record was decoded into `event` (tombstones, heartbeats and the like included).
  virtual void RecordEvent(const ChangeEvent& event) = 0;
  // A record could not be decoded (it is dead-lettered).
  virtual void RecordDecodeError() = 0;
  // A change event no route matched (it is finished without any action).
  virtual void RecordUnmatched() = 0;
  // A change Debezium emitted a second time, which Kafka and HTTP routes skipped.
  virtual void RecordReemissionSkipped() = 0;
  // A route matched and its actions were built; or they could not be (a bad record for it).
  virtual void RecordRouted(std::string_view route) = 0;
  virtual void RecordRouteError(std::string_view route) = 0;
  // A Kafka route's record was handed to the producer (in the open transaction).
  virtual void RecordProduced(std::string_view route, std::string_view sink) = 0;
  // A record went to the dead-letter topic (`route` and `sink` empty when it was undecodable).
  virtual void RecordDeadLetter(std::string_view route, std::string_view sink) = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_PIPELINE_EVENT_OBSERVER_H_
