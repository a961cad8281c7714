// DecodeHandler: the walking skeleton's record handler. Decodes each record into a ChangeEvent,
// counts it, logs it at debug level and, when asked, appends it as one JSON line to a dump file
// (`fanout run --dump-events FILE`, a debugging aid that shows exactly what fanout saw).
//
// An undecodable record is logged with its coordinates (never its bytes) and counted; until the
// dead-letter queue exists it is then finished, so one bad record does not stop the partition.
#ifndef FANOUT_APP_DECODE_HANDLER_H_
#define FANOUT_APP_DECODE_HANDLER_H_

#include <cstdio>
#include <string>

#include "observability/event_stats.h"
#include "processor/debezium/decoder.h"
#include "processor/delivery/consume_loop.h"

namespace fanout {

class DecodeHandler final : public RecordHandler {
 public:
  explicit DecodeHandler(EventStats* stats) : stats_(stats) {}
  ~DecodeHandler() override;
  DecodeHandler(const DecodeHandler&) = delete;
  DecodeHandler& operator=(const DecodeHandler&) = delete;

  // Appends every decoded event to `path` (created or appended to). InvalidArgument when it
  // cannot be opened.
  Status OpenDump(const std::string& path);

  Status Handle(const KafkaRecordView& record) override;

 private:
  EventStats* stats_;
  DebeziumDecoder decoder_;
  ChangeEvent event_;
  std::string line_;
  std::FILE* dump_ = nullptr;
};

}  // namespace fanout

#endif  // FANOUT_APP_DECODE_HANDLER_H_
