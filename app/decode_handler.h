// DecodeHandler: what fanout does with each consumed record. Decodes it into a ChangeEvent,
// counts it, matches it against the routes and carries out each matched route:
//   - a route to a Kafka sink produces its record through the Producer (inside the open
//     transaction in exactly-once mode, so it commits together with the offsets);
//   - routes to other sink types are evaluated and counted only: their delivery is not built yet.
// A record that cannot be decoded, or a route whose record cannot be built (a template that
// cannot be filled, a record Kafka rejects), goes to the dead-letter topic with its context; the
// other routes go on. Optionally every event is appended, with its routing, to a dump file
// (`fanout run --dump-events FILE`, a debugging aid).
#ifndef FANOUT_APP_DECODE_HANDLER_H_
#define FANOUT_APP_DECODE_HANDLER_H_

#include <cstdio>
#include <string>
#include <vector>

#include "config/config.h"
#include "observability/event_stats.h"
#include "processor/debezium/decoder.h"
#include "processor/delivery/consume_loop.h"
#include "processor/kafka/producer.h"
#include "processor/route/router.h"
#include "sinks/kafka/record_builder.h"

namespace fanout {

class DecodeHandler final : public RecordHandler {
 public:
  // `router`, `producer` and `config` must outlive the handler.
  DecodeHandler(EventStats* stats, const Router* router, Producer* producer,
                const config::Config& config);
  ~DecodeHandler() override;
  DecodeHandler(const DecodeHandler&) = delete;
  DecodeHandler& operator=(const DecodeHandler&) = delete;

  // Appends every decoded event to `path` (created or appended to). InvalidArgument when it
  // cannot be opened.
  Status OpenDump(const std::string& path);

  Status Handle(const KafkaRecordView& record) override;

  // For `fanout dlq replay`: the next Handle() runs only the route named `route` (empty: all
  // routes), and a record that fails again is dead-lettered as attempt `previous_attempts + 1`
  // with the original first failure time. Cleared by ClearReplay().
  void SetReplay(std::string route, int previous_attempts, std::int64_t first_failure_ms);
  void ClearReplay();

 private:
  struct RouteInfo {
    const CompiledRoute* route;
    std::vector<std::string_view> template_names;  // computed once
    bool writes_kafka = false;  // the only sink type executed today; others are evaluated
    KafkaValueMode value_mode = KafkaValueMode::kAfter;
  };

  // Carries out one matched route; appends its routing to line_ when dumping. A bad record
  // for the route is dead-lettered here; the returned error is Aborted or fatal only.
  Status Execute(const RouteInfo& info, const KafkaRecordView& record, bool dump);
  Status DeadLetter(const KafkaRecordView& record, std::string_view error_class,
                    std::string_view message, std::string_view route, std::string_view sink);

  EventStats* stats_;
  const Router* router_;
  Producer* producer_;
  std::string dead_letter_topic_;
  std::vector<RouteInfo> routes_;  // parallel to router_->routes()
  DebeziumDecoder decoder_;
  ChangeEvent event_;
  std::vector<const CompiledRoute*> matched_;
  OutgoingRecord outgoing_;
  std::string rendered_;
  std::string line_;
  std::FILE* dump_ = nullptr;
  // Replay state (see SetReplay).
  std::string only_route_;
  int previous_attempts_ = 0;
  std::int64_t first_failure_ms_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_APP_DECODE_HANDLER_H_
