// DecodeHandler: what fanout does with each consumed record -- the decode -> route -> dispatch
// step. Decodes it into a ChangeEvent, reports it (EventObserver), matches it against the routes
// and carries out each matched route:
//   - a route to a Kafka sink (BindKafkaRoute) produces its record through the Producer (inside
//     the open transaction in exactly-once mode, so it commits together with the offsets);
//   - a route bound to an asynchronous sink (BindAsyncRoute) builds its action and hands it to
//     the SinkDispatcher; the record then stays pending until every action is done, and this
//     handler is the consume loop's PendingWork;
//   - routes to sink types this build cannot write are evaluated and counted only.
// A record that cannot be decoded, or a route whose record cannot be built (a template that
// cannot be filled, a record Kafka rejects), goes to the dead-letter topic with its context; the
// other routes go on. Those dead letters are produced at once, like Kafka-route records; the dead
// letters of asynchronous failures are held until the transaction that commits their record's
// offset (HeldOutputs). A change Debezium emitted a second time (ReemissionFilter) is skipped by
// the routes whose RouteDelivery says so (Kafka and HTTP, processing.reemitted_changes); the
// idempotent sinks absorb it.
// Optionally every event is appended, with its routing, to a dump file
// (`fanout run --dump-events FILE`, a debugging aid).
#ifndef FANOUT_PROCESSOR_PIPELINE_DECODE_HANDLER_H_
#define FANOUT_PROCESSOR_PIPELINE_DECODE_HANDLER_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "processor/debezium/decoder.h"
#include "processor/delivery/consume_loop.h"
#include "processor/delivery/held_outputs.h"
#include "processor/delivery/reemission_filter.h"
#include "processor/delivery/sink_dispatcher.h"
#include "processor/kafka/producer.h"
#include "processor/pipeline/event_observer.h"
#include "processor/sink/kafka_output.h"
#include "processor/route/router.h"
#include "processor/sink/sink.h"

namespace fanout {

// How a route's sink takes the events the route matched, beyond its builder.
struct RouteDelivery {
  // A change Debezium emitted a second time is skipped (a sink that cannot recognise it: Kafka,
  // HTTP), when DecodeHandlerOptions::skip_reemitted.
  bool skips_reemissions = false;
  // The sink keys processed offsets by the consumed record (postgres): in a replay, its actions
  // are built with the dead letter's coordinates, the record the replay settles.
  bool keys_progress_by_consumed_record = false;
};

struct DecodeHandlerOptions {
  std::string dead_letter_topic;
  std::size_t dead_letter_max_bytes = 900000;  // dead_letter.max_record_bytes
  bool skip_reemitted = true;                  // processing.reemitted_changes: skip
  // Parallel to the router's routes; missing entries are all false.
  std::vector<RouteDelivery> routes;
};

class DecodeHandler final : public RecordHandler, public PendingWork {
 public:
  // `events`, `router` and `producer` must outlive the handler.
  DecodeHandler(EventObserver* events, const Router* router, Producer* producer,
                DecodeHandlerOptions options);
  ~DecodeHandler() override;
  DecodeHandler(const DecodeHandler&) = delete;
  DecodeHandler& operator=(const DecodeHandler&) = delete;

  // Appends every decoded event to `path` (created or appended to). InvalidArgument when it
  // cannot be opened.
  Status OpenDump(const std::string& path);

  // Routes the route `route_index` (into the router's routes) to a Kafka sink: its records are
  // built by `builder` and produced in the open transaction.
  void BindKafkaRoute(std::size_t route_index, std::unique_ptr<KafkaOutputBuilder> builder);

  // Routes the route `route_index` (into the router's routes) to an asynchronous sink through
  // `dispatcher` (shared by all such routes; must outlive the handler). `route` must stay at
  // its address.
  void BindAsyncRoute(std::size_t route_index, std::unique_ptr<ActionBuilder> builder,
                      const DispatchRoute* route, SinkDispatcher* dispatcher);

  // With context.kafka_outputs_committed, the record's Kafka routes and the dead letters of its
  // synchronous failures were committed by an earlier owner of the partition: only its
  // asynchronous routes run.
  Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& context) override;

  // PendingWork, through the dispatcher (nothing pending without one).
  Status Collect(Clock::time_point now, std::vector<PartitionOffset>* finished) override;
  Clock::time_point NextDue() const override;
  void WaitForResults(Clock::time_point deadline) override;
  void Abandon(const std::vector<TopicPartition>* partitions) override;
  std::size_t pending() const override;
  std::size_t pending(const TopicPartition& tp) const override;
  std::size_t pending_bytes() const override;
  void OnAssigned(const std::vector<TopicPartition>& partitions) override;
  // Debezium's re-emissions (ReemissionFilter), judged per partition with state kept in the
  // commit metadata.
  void Resume(const PartitionOffset& committed) override;
  void AnnotateCommit(PartitionOffset* offset) override;
  void Forget(const std::vector<TopicPartition>& partitions) override;

  // Dead letters of asynchronous failures are held until their record's offset commits.
  Status BeforeCommit(const std::vector<PartitionOffset>& offsets) override;
  void DropHeldOutputs(const std::vector<TopicPartition>* partitions) override;

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
    RouteDelivery delivery;
    // Set for routes to a Kafka sink: synchronous, inside the transaction.
    std::unique_ptr<KafkaOutputBuilder> kafka;
    // Set for routes to asynchronous sinks; routes with neither are evaluated only.
    std::unique_ptr<ActionBuilder> builder;
    const DispatchRoute* dispatch = nullptr;
  };

  // Carries out one matched route; appends its routing to line_ when dumping. A bad record
  // for the route is dead-lettered here; the returned error is Aborted or fatal only.
  Status Execute(const RouteInfo& info, const KafkaRecordView& record, bool dump,
                 bool kafka_outputs_committed, bool reemitted);
  Status DeadLetter(const KafkaRecordView& record, std::string_view error_class,
                    std::string_view message, std::string_view route, std::string_view sink);
  Status WriteDeadLetter(const KafkaRecordView& record, const DeadLetterContext& context);
  // Produces a dead letter into the open transaction; a dead-letter topic that cannot be written
  // is fatal (Internal), Aborted passes through.
  Status ProduceDeadLetter(const OutgoingRecord& dead_letter);

  EventObserver* events_;
  const Router* router_;
  Producer* producer_;
  std::string dead_letter_topic_;
  std::size_t dead_letter_max_bytes_;
  std::vector<RouteInfo> routes_;  // parallel to router_->routes()
  DebeziumDecoder decoder_;
  ChangeEvent event_;
  std::vector<const CompiledRoute*> matched_;
  OutgoingRecord outgoing_;
  SinkDispatcher* dispatcher_ = nullptr;
  std::vector<NewAction> actions_;       // the current record's asynchronous actions
  DeadLetterWriter dead_letter_writer_;  // holds asynchronous failures' dead letters
  HeldOutputs held_dead_letters_;
  bool skip_reemitted_ = true;  // processing.reemitted_changes
  ReemissionFilter reemissions_;
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

#endif  // FANOUT_PROCESSOR_PIPELINE_DECODE_HANDLER_H_
