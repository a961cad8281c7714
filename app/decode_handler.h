// DecodeHandler: the record handler until sink delivery exists. Decodes each record into a
// ChangeEvent, counts it, matches it against the routes and builds each matched route's actions
// (renders its templates), logs it at debug level and, when asked, appends it with its routing
// as one JSON line to a dump file (`fanout run --dump-events FILE`, a debugging aid that shows
// exactly what fanout saw and decided). Nothing is written to sinks yet.
//
// A route whose templates cannot be filled for an event (a missing or null column) is a bad
// record for that route only: logged, counted, and the other routes go on.
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
#include "processor/route/router.h"

namespace fanout {

class DecodeHandler final : public RecordHandler {
 public:
  // `router` must outlive the handler.
  DecodeHandler(EventStats* stats, const Router* router);
  ~DecodeHandler() override;
  DecodeHandler(const DecodeHandler&) = delete;
  DecodeHandler& operator=(const DecodeHandler&) = delete;

  // Appends every decoded event to `path` (created or appended to). InvalidArgument when it
  // cannot be opened.
  Status OpenDump(const std::string& path);

  Status Handle(const KafkaRecordView& record) override;

 private:
  // Renders the route's templates; appends them to line_ when `dump` is set.
  Status BuildActions(const CompiledRoute& route, bool dump);

  struct RouteTemplates {
    const CompiledRoute* route;
    std::vector<std::string_view> names;  // template names, computed once
  };

  EventStats* stats_;
  const Router* router_;
  std::vector<RouteTemplates> route_templates_;  // parallel to router_->routes()
  DebeziumDecoder decoder_;
  ChangeEvent event_;
  std::vector<const CompiledRoute*> matched_;
  std::string rendered_;
  std::string line_;
  std::FILE* dump_ = nullptr;
};

}  // namespace fanout

#endif  // FANOUT_APP_DECODE_HANDLER_H_
