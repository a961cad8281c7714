// DecodeHandler: what fanout does with each consumed record. Decodes it into a ChangeEvent,
// counts it, matches it against the routes and carries out each matched route:
//   - a route to a Kafka sink produces its record through the Producer (inside the open
//     transaction in exactly-once mode, so it commits together with the offsets);
//   - a route bound to an asynchronous sink (BindAsyncRoute) builds its action and hands it to
//     the SinkDispatcher; the record then stays pending until every action is done, and this
//     handler is the consume loop's PendingWork;
//   - routes to sink types this build cannot write are evaluated and counted only.
// A record that cannot be decoded, or a route whose record cannot be built (a template that
// cannot be filled, a record Kafka rejects), goes to the dead-letter topic with its context; the
// other routes go on. Optionally every event is appended, with its routing, to a dump file
// (`fanout run --dump-events FILE`, a debugging aid).
#ifndef FANOUT_APP_DECODE_HANDLER_H_
#define FANOUT_APP_DECODE_HANDLER_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "observability/event_stats.h"
#include "processor/debezium/decoder.h"
#include "processor/delivery/consume_loop.h"
#include "processor/delivery/sink_dispatcher.h"
#include "processor/kafka/producer.h"
#include "processor/route/router.h"
#include "sinks/kafka/record_builder.h"
#include "sinks/sink.h"

namespace fanout {

class DecodeHandler final : public RecordHandler, public PendingWork {
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

  // Routes the route `route_index` (into the router's routes) to an asynchronous sink through
  // `dispatcher` (shared by all such routes; must outlive the handler). `route` must stay at
  // its address.
  void BindAsyncRoute(std::size_t route_index, std::unique_ptr<ActionBuilder> builder,
                      const DispatchRoute* route, SinkDispatcher* dispatcher);

  Result<Handled> Handle(const KafkaRecordView& record) override;

  // PendingWork, through the dispatcher (nothing pending without one).
  Status Collect(Clock::time_point now, std::vector<PartitionOffset>* finished) override;
  Clock::time_point NextDue() const override;
  void WaitForResults(Clock::time_point deadline) override;
  void Abandon(const std::vector<TopicPartition>* partitions) override;
  std::size_t pending() const override;
  std::size_t pending(const TopicPartition& tp) const override;
  void OnAssigned(const std::vector<TopicPartition>& partitions) override;

  // For `fanout dlq replay`: the next Handle() runs only the route named `route` (empty: all
  // routes), and a record that fails again is dead-lettered as attempt `previous_attempts + 1`
  // with the original first failure time; asynchronous work completes as `tracked` (the dead
  // letter's own coordinates). Cleared by ClearReplay().
  void SetReplay(std::string route, int previous_attempts, std::int64_t first_failure_ms,
                 PartitionOffset tracked);
  void ClearReplay();

 private:
  struct RouteInfo {
    const CompiledRoute* route;
    std::vector<std::string_view> template_names;  // computed once
    bool writes_kafka = false;                     // synchronous, inside the transaction
    KafkaValueMode value_mode = KafkaValueMode::kAfter;
    // Set for routes to asynchronous sinks; routes with neither are evaluated only.
    std::unique_ptr<ActionBuilder> builder;
    const DispatchRoute* dispatch = nullptr;
  };

  // Carries out one matched route; appends its routing to line_ when dumping. A bad record
  // for the route is dead-lettered here; the returned error is Aborted or fatal only.
  Status Execute(const RouteInfo& info, const KafkaRecordView& record, bool dump);
  Status DeadLetter(const KafkaRecordView& record, std::string_view error_class,
                    std::string_view message, std::string_view route, std::string_view sink);
  Status WriteDeadLetter(const KafkaRecordView& record, const DeadLetterContext& context);

  EventStats* stats_;
  const Router* router_;
  Producer* producer_;
  std::string dead_letter_topic_;
  std::vector<RouteInfo> routes_;  // parallel to router_->routes()
  DebeziumDecoder decoder_;
  ChangeEvent event_;
  std::vector<const CompiledRoute*> matched_;
  OutgoingRecord outgoing_;
  SinkDispatcher* dispatcher_ = nullptr;
  std::vector<NewAction> actions_;  // the current record's asynchronous actions
  DeadLetterWriter dead_letter_writer_;
  std::string rendered_;
  std::string line_;
  std::FILE* dump_ = nullptr;
  // Replay state (see SetReplay).
  std::string only_route_;
  int previous_attempts_ = 0;
  std::int64_t first_failure_ms_ = 0;
  std::optional<PartitionOffset> replay_tracked_;
};

}  // namespace fanout

#endif  // FANOUT_APP_DECODE_HANDLER_H_
