// The contract between fanout's delivery core and a sink (Redis, Elasticsearch/OpenSearch,
// PostgreSQL, HTTP): how a matched route becomes an action, how a batch of actions is written
// asynchronously, and what each action's outcome means. A sink never sees the pipeline: it gets
// actions and returns one outcome per action.
//
// Lifecycle, all on the thread that owns the sink (the consume loop's) unless said otherwise:
//   Bind() each route at startup → Start() → Write()… → Close() → destroy.
//
// The base contract is what every sink implements. What only some sinks need (batches chained
// behind one in flight, lanes by partition, a hook on partition assignment: today PostgreSQL's)
// is declared through capabilities(), asked once when the delivery core takes the sink.
//
// Never call Write() after Close(), nor Close() from inside a WriteCallback (it waits for the
// callbacks to finish).
//
// Ordering: the delivery core never has two Write() calls in flight whose batches hold actions
// for the same row key, so a sink may run its Write() calls concurrently and in any order.
//
// The Kafka sink is not behind this interface: its records are part of the Kafka transaction
// that also commits the offsets (see sinks/kafka/record_builder.h).
//
// This header is the bottom of the sink layer: the delivery core (processor/) includes it and
// nothing of sinks/; how sinks are configured and created (SinkSpec, SinkRegistry) is
// sinks/sink.h, above it.
#ifndef FANOUT_PROCESSOR_SINK_SINK_H_
#define FANOUT_PROCESSOR_SINK_SINK_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

class CompiledRoute;

// What became of one action. Each sink maps its client's errors onto these in one file
// (`sinks/<type>/errors.cc`).
enum class ActionOutcome : std::uint8_t {
  kApplied,         // done
  kAlreadyApplied,  // the target already had it (version conflict, known idempotency key): done
  kRetry,           // this action failed transiently (timeout, throttled, 5xx): tried again
                    // after a backoff, counting towards the route's max_attempts
  kUnavailable,     // the server cannot be reached at all (connection refused or reset, 503):
                    // tried again after a backoff without counting, because a sink that is
                    // down is not a reason to dead-letter (see
                    // docs/ARCHITECTURE.md#failure-handling)
  kBadRecord,       // can never succeed as built (mapping error, 4xx): dead-lettered
  kRefused,         // the server refused this action (401/403, NOPERM, insufficient privilege,
                    // an invalid name) for a reason that may be the record's (a key, index,
                    // path or table rendered from it) or the whole sink's (its credentials).
                    // The delivery core asks Sink::Probe, which involves no record: if the sink
                    // as a whole is accepted, the record is dead-lettered ("refused"); if it is
                    // refused too, fanout stops; if it is unreachable, the action waits
  kFatal,           // the sink cannot go on whatever the record (misconfiguration, a server
                    // that lacks what the sink needs): fanout stops
};

std::string_view ToString(ActionOutcome outcome);

struct ActionResult {
  ActionOutcome outcome = ActionOutcome::kApplied;
  // Why, for logs and dead-letter headers. Never payload bytes or credentials.
  std::string message;
  // The server's own "not before" hint (HTTP Retry-After); zero when it gave none. The next
  // attempt waits at least this long, and at least the route's backoff.
  std::chrono::milliseconds retry_after{0};
  // False for a kRetry/kUnavailable the sink gave without trying the action (a batch behind one
  // that failed, see WriteBehind): requeued without counting an attempt or a metric.
  bool attempted = true;

  static ActionResult Applied() { return {}; }
  static ActionResult AlreadyApplied(std::string why = {}) {
    return {ActionOutcome::kAlreadyApplied, std::move(why), {}};
  }
  static ActionResult Retry(std::string why, std::chrono::milliseconds after = {}) {
    return {ActionOutcome::kRetry, std::move(why), after};
  }
  static ActionResult Unavailable(std::string why, std::chrono::milliseconds after = {}) {
    return {ActionOutcome::kUnavailable, std::move(why), after};
  }
  static ActionResult BadRecord(std::string why) {
    return {ActionOutcome::kBadRecord, std::move(why), {}};
  }
  static ActionResult Refused(std::string why) {
    return {ActionOutcome::kRefused, std::move(why), {}};
  }
  static ActionResult Fatal(std::string why) { return {ActionOutcome::kFatal, std::move(why), {}}; }
};

// Keeps in *into the worse of *into and `next`, for an action made of several requests: applied
// < already applied < retry < unavailable < bad record < refused < fatal. On a tie *into stays.
void KeepWorse(ActionResult* into, ActionResult next);

// One sink-specific unit of work (a DEL of some keys, a versioned index request, an upsert, a
// POST body). It owns every byte it needs: it outlives the consumed record it came from.
class SinkAction {
 public:
  virtual ~SinkAction() = default;
};

// Turns the events a route matched into actions for one sink; made by Sink::Bind.
// Thread-safety: Build is const and called on the consume thread only.
class ActionBuilder {
 public:
  virtual ~ActionBuilder() = default;
  // Builds the action for `event` (read from `record`). Pure: no I/O. A null action means there
  // is nothing to do for this event (e.g. a truncate the sink ignores). InvalidArgument: the
  // event cannot be turned into an action (a template that cannot be filled, a missing key):
  // the event is a bad record for this route.
  virtual Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                                    const KafkaRecordView& record) const = 0;
};

// A route as the sink sees it when binding: the compiled route (templates, projection) and the
// route's sink-specific options from the YAML (`table`, `delete_mode`, `value`, ...).
struct RouteBinding {
  const CompiledRoute* route = nullptr;  // outlives the builder
  const std::vector<std::pair<std::string, std::string>>* options = nullptr;
};

// Called exactly once per Write, on one of the runtime's threads, with one result per action in
// batch order.
using WriteCallback = std::function<void(std::vector<ActionResult> results)>;

// How the delivery core spreads a sink's actions over its lanes (one batch in flight per lane,
// unless the sink chains batches). kRowKey: by the record key, so one key's actions stay in
// order. kPartition: by Kafka partition, so a partition's actions reach the sink in offset order,
// one batch after the other -- what a sink that stores processed offsets with its writes
// (postgres) needs.
enum class LaneBy : std::uint8_t { kRowKey, kPartition };

// Capability: a sink that takes a lane's next batch while the one before is still being written
// (SinkCapabilities::max_batches_per_lane above 1).
class ChainedWriter {
 public:
  virtual ~ChainedWriter() = default;
  // Write() of a batch sent while an earlier batch of its lane is in flight. The delivery core
  // sends only full batches this way. The sink must write it after that batch, and must NOT
  // write it if that batch failed as a whole (kRetry, kUnavailable, kFatal) -- even if that
  // batch has finished already and the core has not yet seen it fail -- but answer it alike,
  // with `attempted = false`: the core then requeues both in their order, so nothing overtakes
  // a retried action. Same threading and lifetime rules as Sink::Write.
  virtual void WriteBehind(std::span<const SinkAction* const> batch, WriteCallback done) = 0;
};

// Capability: a sink that keeps state per Kafka partition (its processed offsets).
class PartitionAssignmentListener {
 public:
  virtual ~PartitionAssignmentListener() = default;
  // Partitions were just assigned to this instance: the sink reads its processed offsets, so
  // that its action builders skip records it already has. Called on the consume thread from the
  // rebalance callback, before any record of these partitions is handled; may block (bounded by
  // the sink's timeout). An error is logged; it must not be needed for correctness.
  virtual Status OnPartitionsAssigned(std::span<const TopicPartition> partitions) = 0;
};

// What a sink needs of the delivery core beyond the base contract. The pointers are not owned
// (usually the sink itself) and live as long as the sink.
struct SinkCapabilities {
  LaneBy lane_by = LaneBy::kRowKey;
  // Batches of one lane that may be in flight at once. Above 1 only with `chained_writer`, which
  // the core then sends a lane's further (full) batches to; treated as 1 without one.
  std::size_t max_batches_per_lane = 1;
  ChainedWriter* chained_writer = nullptr;
  // Told of every assignment; null: the sink keeps no per-partition state.
  PartitionAssignmentListener* assignment_listener = nullptr;
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Checks a route's options against this sink and returns the builder of its actions.
  // InvalidArgument names the option at fault (reported like a configuration error).
  virtual Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) = 0;

  // Makes sure the server can be reached (a bounded wait). Unavailable: it cannot, right now;
  // fanout starts anyway and the actions retry. Anything else (bad URL, refused credentials) is
  // fatal.
  virtual Status Start(std::chrono::milliseconds timeout) = 0;

  // Asks the server whether it accepts the sink as a whole, with a request that involves no
  // record (a connection and its authentication, a PING, GET /): what decides a kRefused
  // outcome. Called on the consume thread after Start(), and may block up to `timeout` (plus
  // the runtime's own bound). OK: the sink is accepted, so a refusal was the record's.
  // Unavailable: the server cannot be reached now. Anything else: the sink as a whole is
  // refused, and fanout stops. The default asks Start() again, which every sink allows.
  virtual Status Probe(std::chrono::milliseconds timeout) { return Start(timeout); }

  // Writes `batch` (at most max_batch() actions) asynchronously and returns at once. The actions
  // stay alive and unchanged until `done` runs. Called from one thread at a time (the consume
  // thread, or a decorator's worker such as dedup/idempotency_sink.h, which serialises its calls
  // and never calls after Close), so Write must not touch state owned by the consume thread
  // beyond posting to the sink's own strand; may be called again before earlier batches are done
  // (up to max_concurrency() * SinkCapabilities::max_batches_per_lane at once).
  virtual void Write(std::span<const SinkAction* const> batch, WriteCallback done) = 0;

  // Most actions one Write may carry (the sink's `batch_size`).
  virtual std::size_t max_batch() const = 0;
  // Writes worth having in flight at once (the sink's `pool_size`): the number of lanes.
  virtual std::size_t max_concurrency() const = 0;

  // Stops: cancels what is in flight (their callbacks still run, with kUnavailable) and closes
  // connections. Blocks until no callback is running or pending. Idempotent.
  virtual void Close() = 0;

  // What this sink needs beyond the base contract. Asked once, when the delivery core takes the
  // sink; the answer must not change afterwards. The default: nothing (lanes by row key, one
  // batch per lane, no per-partition state).
  virtual SinkCapabilities capabilities() { return {}; }
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_SINK_SINK_H_
