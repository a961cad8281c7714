#include "processor/pipeline/decode_handler.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>

#include "processor/core/json_writer.h"
#include "processor/core/wall_clock.h"
#include "processor/delivery/dead_letter.h"

namespace fanout {

DecodeHandler::DecodeHandler(EventObserver* events, const Router* router, Producer* producer,
                             DecodeHandlerOptions options)
    : events_(events),
      router_(router),
      producer_(producer),
      dead_letter_topic_(std::move(options.dead_letter_topic)),
      dead_letter_max_bytes_(options.dead_letter_max_bytes),
      skip_reemitted_(options.skip_reemitted) {
  dead_letter_writer_ = [this](const KafkaRecordView& record, const DeadLetterContext& context,
                               const TopicPartition& tracked, std::int64_t tracked_offset) {
    held_dead_letters_.Hold(
        tracked, tracked_offset,
        BuildDeadLetter(dead_letter_topic_, record, context, dead_letter_max_bytes_));
    events_->RecordDeadLetter(context.route, context.sink);
    return Status();
  };
  const std::span<const CompiledRoute> routes = router_->routes();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    RouteInfo info{&routes[i], routes[i].TemplateNames(), {}, nullptr, nullptr, nullptr};
    if (i < options.routes.size()) info.delivery = options.routes[i];
    routes_.push_back(std::move(info));
  }
}

DecodeHandler::~DecodeHandler() {
  if (dump_ != nullptr) std::fclose(dump_);
}

Status DecodeHandler::OpenDump(const std::string& path) {
  dump_ = std::fopen(path.c_str(), "a");
  if (dump_ == nullptr) {
    return InvalidArgument("cannot open dump file " + path + ": " + std::strerror(errno));
  }
  std::setvbuf(dump_, nullptr, _IOLBF, 1 << 16);  // whole lines, so readers never see half a one
  return Status();
}

void DecodeHandler::BindKafkaRoute(std::size_t route_index,
                                   std::unique_ptr<KafkaOutputBuilder> builder) {
  routes_.at(route_index).kafka = std::move(builder);
}

void DecodeHandler::BindAsyncRoute(std::size_t route_index, std::unique_ptr<ActionBuilder> builder,
                                   const DispatchRoute* route, SinkDispatcher* dispatcher) {
  routes_.at(route_index).builder = std::move(builder);
  routes_[route_index].dispatch = route;
  dispatcher_ = dispatcher;
}

Result<Handled> DecodeHandler::Handle(const KafkaRecordView& record, const RecordContext& context) {
  Status status = decoder_.Decode(record, &event_);
  if (!status.ok()) {
    if (context.kafka_outputs_committed) return Handled::kFinished;  // dead-lettered already
    events_->RecordDecodeError();
    spdlog::error("decode {}[{}]@{}: {}", record.topic, record.partition, record.offset,
                  status.message());
    FANOUT_RETURN_IF_ERROR(DeadLetter(record, "decode_error", status.message(), "", ""));
    return Handled::kFinished;
  }
  events_->RecordEvent(event_);
  // Judged for every change in offset order (below the Kafka-output mark too), never in a
  // replay: a dead-letter topic's positions are in no order.
  const bool reemitted = skip_reemitted_ && !replay_tracked_ &&
                         event_.kind == RecordKind::kChange &&
                         reemissions_.IsReemission(record.topic, record.partition, record.offset,
                                                   event_.position, static_cast<char>(event_.op),
                                                   event_.snapshot, record.key, event_.table);
  if (reemitted) events_->RecordReemissionSkipped();
  const bool debug = spdlog::should_log(spdlog::level::debug);
  const bool dump = debug || dump_ != nullptr;
  if (dump) {
    line_.clear();
    AppendChangeEventJson(line_, event_);
    line_.pop_back();  // reopen the object to add the routing
    line_ += ",\"routes\":[";
  }
  router_->Match(event_, &matched_);
  if (!only_route_.empty()) {
    std::erase_if(matched_, [&](const CompiledRoute* r) { return r->name() != only_route_; });
  }
  if (matched_.empty() && event_.kind == RecordKind::kChange) events_->RecordUnmatched();
  actions_.clear();
  for (std::size_t i = 0; i < matched_.size(); ++i) {
    if (dump && i > 0) line_.push_back(',');
    const auto index = static_cast<std::size_t>(matched_[i] - router_->routes().data());
    FANOUT_RETURN_IF_ERROR(
        Execute(routes_[index], record, dump, context.kafka_outputs_committed, reemitted));
  }
  if (dump) {
    line_ += "]}";
    if (debug) spdlog::debug("event {}", line_);
    if (dump_ != nullptr) {
      line_.push_back('\n');
      if (std::fwrite(line_.data(), 1, line_.size(), dump_) != line_.size()) {
        return Internal(std::string("writing the event dump failed: ") + std::strerror(errno));
      }
    }
  }
  if (actions_.empty()) return Handled::kFinished;
  DispatchOrigin origin{replay_tracked_, previous_attempts_, first_failure_ms_,
                        event_.source_ts_ms};
  dispatcher_->Dispatch(record, origin, actions_);
  return Handled::kPending;
}

Status DecodeHandler::Execute(const RouteInfo& info, const KafkaRecordView& record, bool dump,
                              bool kafka_outputs_committed, bool reemitted) {
  const CompiledRoute& route = *info.route;
  if (dump) {
    line_ += "{\"route\":";
    AppendJsonString(line_, route.name());
  }
  if (reemitted && info.delivery.skips_reemissions) {
    // Delivered when Debezium first emitted it (earlier in this partition).
    if (dump) line_ += ",\"reemission\":true}";
    return Status();
  }
  // Render every template when the dump shows them, or when the sink only evaluates the route:
  // a template that cannot be filled makes the event a bad record for the route whatever the
  // sink. A Kafka route renders its templates (topic and key, the only ones validation allows
  // it) in its KafkaOutputBuilder, once.
  Status built;
  const bool evaluated_only = !info.kafka && !info.builder;
  const std::span<const std::string_view> names =
      dump || evaluated_only ? std::span<const std::string_view>(info.template_names)
                             : std::span<const std::string_view>();
  for (std::string_view name : names) {
    if (dump) {
      line_.push_back(',');
      AppendJsonString(line_, name);
      line_ += ":[";
    }
    bool first = true;
    for (const Template& t : route.Templates(name)) {
      rendered_.clear();
      Status status = t.Render(event_, &rendered_);
      if (!status.ok()) {
        if (built.ok()) built = status;
        continue;
      }
      if (dump) {
        if (!first) line_.push_back(',');
        AppendJsonString(line_, rendered_);
      }
      first = false;
    }
    if (dump) line_.push_back(']');
  }
  if (built.ok() && info.builder) {
    const KafkaRecordView* source = &record;
    KafkaRecordView settled;
    if (replay_tracked_ && info.delivery.keys_progress_by_consumed_record) {
      settled = record;
      settled.topic = replay_tracked_->tp.topic;
      settled.partition = replay_tracked_->tp.partition;
      settled.offset = replay_tracked_->offset;
      source = &settled;
    }
    Result<std::unique_ptr<SinkAction>> action = info.builder->Build(event_, *source);
    if (!action.ok()) {
      built = action.status();
    } else if (*action) {
      actions_.push_back(NewAction{info.dispatch, std::move(action).value()});
    }
  }
  if (built.ok() && info.kafka && kafka_outputs_committed) {
    // Produced and committed by an earlier owner of the partition.
    if (dump) line_ += ",\"already_committed\":true";
  } else if (built.ok() && info.kafka) {
    built = info.kafka->Build(event_, record, &outgoing_);
    if (built.ok()) {
      built = producer_->Produce(outgoing_);
      if (built.code() == StatusCode::kAborted || built.code() == StatusCode::kInternal) {
        return built;  // the transaction (or the producer) is gone: the loop aborts or stops
      }
      if (built.ok()) events_->RecordProduced(route.name(), route.sink());
    }
  }
  if (dump) {
    line_ += ",\"ok\":";
    line_ += built.ok() ? "true" : "false";
    line_.push_back('}');
  }
  if (built.ok()) {
    events_->RecordRouted(route.name());
    return Status();
  }
  if (kafka_outputs_committed) return Status();  // dead-lettered by an earlier owner
  events_->RecordRouteError(route.name());
  spdlog::error("route '{}': {}[{}]@{}: {}", route.name(), record.topic, record.partition,
                record.offset, built.message());
  return DeadLetter(record, "bad_record", built.message(), route.name(), route.sink());
}

void DecodeHandler::SetReplay(std::string route, int previous_attempts,
                              std::int64_t first_failure_ms, PartitionOffset tracked) {
  only_route_ = std::move(route);
  previous_attempts_ = previous_attempts;
  first_failure_ms_ = first_failure_ms;
  replay_tracked_ = std::move(tracked);
}

void DecodeHandler::ClearReplay() {
  only_route_.clear();
  previous_attempts_ = 0;
  first_failure_ms_ = 0;
  replay_tracked_.reset();
}

Status DecodeHandler::Collect(Clock::time_point now, std::vector<PartitionOffset>* finished) {
  if (dispatcher_ == nullptr) return Status();
  return dispatcher_->Collect(now, dead_letter_writer_, finished);
}

PendingWork::Clock::time_point DecodeHandler::NextDue() const {
  return dispatcher_ == nullptr ? Clock::time_point::max() : dispatcher_->NextDue();
}

void DecodeHandler::WaitForResults(Clock::time_point deadline) {
  if (dispatcher_ != nullptr) dispatcher_->WaitForResults(deadline);
}

void DecodeHandler::Abandon(const std::vector<TopicPartition>* partitions) {
  if (dispatcher_ != nullptr) dispatcher_->Abandon(partitions);
}

std::size_t DecodeHandler::pending() const {
  return dispatcher_ == nullptr ? 0 : dispatcher_->pending();
}

void DecodeHandler::OnAssigned(const std::vector<TopicPartition>& partitions) {
  if (dispatcher_ != nullptr) dispatcher_->OnPartitionsAssigned(partitions);
}

void DecodeHandler::Resume(const PartitionOffset& committed) {
  reemissions_.Resume(committed.tp, committed.metadata);
}

void DecodeHandler::AnnotateCommit(PartitionOffset* offset) {
  reemissions_.Describe(offset->tp, offset->offset, &offset->metadata);
}

void DecodeHandler::Forget(const std::vector<TopicPartition>& partitions) {
  reemissions_.Forget(partitions);
}

Status DecodeHandler::BeforeCommit(const std::vector<PartitionOffset>& offsets) {
  return held_dead_letters_.Release(offsets, [this](const OutgoingRecord& dead_letter) {
    return ProduceDeadLetter(dead_letter);
  });
}

void DecodeHandler::DropHeldOutputs(const std::vector<TopicPartition>* partitions) {
  held_dead_letters_.Drop(partitions);
}

std::size_t DecodeHandler::pending_bytes() const {
  return dispatcher_ == nullptr ? 0 : dispatcher_->pending_bytes();
}

std::size_t DecodeHandler::pending(const TopicPartition& tp) const {
  return dispatcher_ == nullptr ? 0 : dispatcher_->pending(tp);
}

Status DecodeHandler::DeadLetter(const KafkaRecordView& record, std::string_view error_class,
                                 std::string_view message, std::string_view route,
                                 std::string_view sink) {
  const std::int64_t now = WallClockMs();
  DeadLetterContext context{error_class,
                            message,
                            route,
                            sink,
                            previous_attempts_ + 1,
                            first_failure_ms_ > 0 ? first_failure_ms_ : now,
                            now};
  return WriteDeadLetter(record, context);
}

Status DecodeHandler::WriteDeadLetter(const KafkaRecordView& record,
                                      const DeadLetterContext& context) {
  Status status = ProduceDeadLetter(
      BuildDeadLetter(dead_letter_topic_, record, context, dead_letter_max_bytes_));
  if (status.ok()) events_->RecordDeadLetter(context.route, context.sink);
  return status;
}

Status DecodeHandler::ProduceDeadLetter(const OutgoingRecord& dead_letter) {
  Status status = producer_->Produce(dead_letter);
  if (status.ok() || status.code() == StatusCode::kAborted) return status;
  // Nothing may be lost silently: a dead-letter queue that cannot be written stops fanout.
  return Internal("cannot write to the dead-letter topic " + dead_letter_topic_ + ": " +
                  std::string(status.message()));
}

}  // namespace fanout
