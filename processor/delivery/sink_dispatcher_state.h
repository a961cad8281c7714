// The SinkDispatcher's own state (records, lanes, batches in flight), shared by its two source
// files: sink_dispatcher.cc (dispatching and sending) and sink_dispatcher_outcomes.cc (what each
// outcome does). Internal to the dispatcher: include it nowhere else.
#ifndef FANOUT_PROCESSOR_DELIVERY_SINK_DISPATCHER_STATE_H_
#define FANOUT_PROCESSOR_DELIVERY_SINK_DISPATCHER_STATE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "processor/delivery/sink_dispatcher.h"

namespace fanout {

// An owned copy of a record with pending actions: its actions may outlive the consumed batch,
// and a dead letter needs the original key, value and headers. Topic names are not copied per
// record: `tracked_tp` is the key of the dispatcher's partition map and `topic` an interned name,
// both stable (map and set nodes are never erased).
struct SinkDispatcher::PendingRecord {
  const TopicPartition* tracked_tp = nullptr;  // with tracked_offset, what completes in the loop
  std::int64_t tracked_offset = -1;
  const std::string* topic = nullptr;  // the record's own coordinates, for its dead letter
  std::int32_t partition_id = 0;
  std::int64_t offset = -1;
  int previous_attempts = 0;
  std::int64_t first_failure_ms = 0;
  std::int64_t source_ts_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp_ms = -1;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  PartitionState* partition = nullptr;
  std::uint64_t epoch = 0;
  int remaining = 0;
  std::size_t bytes = 0;  // what this copy holds, for the byte bound (pending_bytes())

  KafkaRecordView View() const {
    KafkaRecordView view;
    view.topic = *topic;
    view.partition = partition_id;
    view.offset = offset;
    if (key) view.key = *key;
    if (value) view.value = *value;
    view.timestamp_ms = timestamp_ms;
    for (const auto& [name, header_value] : headers) {
      RecordHeaderView header{name, std::nullopt};
      if (header_value) header.value = *header_value;
      view.headers.push_back(header);
    }
    return view;
  }
};

struct SinkDispatcher::QueuedAction {
  std::uint64_t seq = 0;  // dispatch order: a lane's queue is sorted by it
  std::shared_ptr<PendingRecord> record;
  const DispatchRoute* route = nullptr;
  std::unique_ptr<SinkAction> action;
  std::unique_ptr<RetryState> retry;  // from the first counted failure on
  std::int64_t first_failure_ms = 0;  // wall clock, for the dead letter
};

struct SinkDispatcher::Lane {
  std::deque<QueuedAction> queue;
  std::size_t in_flight = 0;  // batches
  bool hold = false;          // actions were requeued while batches were in flight
  Clock::time_point not_before{};
  int unavailable_streak = 0;  // consecutive kUnavailable answers: the lane's own backoff
};

struct SinkDispatcher::SinkLanes {
  Sink* sink = nullptr;
  std::vector<Lane> lanes;
  std::size_t max_batch = 1;
  // The sink's capabilities, asked once.
  bool by_partition = false;      // LaneBy::kPartition
  std::size_t max_in_flight = 1;  // batches per lane (max_batches_per_lane, with a ChainedWriter)
  ChainedWriter* chained_writer = nullptr;
  PartitionAssignmentListener* assignment_listener = nullptr;
  bool unavailable = false;
  // When Sink::Probe last accepted the sink (after a kRefused); epoch when never.
  Clock::time_point probe_passed{};
  SinkObserver* observer = nullptr;  // request latency (Write() → its callback), availability
};

struct SinkDispatcher::InFlight {
  std::size_t sink = 0;
  std::size_t lane = 0;
  std::vector<QueuedAction> items;
  std::vector<const SinkAction*> actions;  // parallel to items, what Write() sees
};

struct SinkDispatcher::Completion {
  std::shared_ptr<InFlight> batch;
  std::vector<ActionResult> results;
};

// The answers of one batch, as ProcessCompletion's handlers go through them: where they go, and
// what they decide for the lane.
struct SinkDispatcher::Answers {
  SinkLanes& lanes;
  Lane& lane;
  Clock::time_point now;
  const DeadLetterWriter& dead_letters;
  std::vector<PartitionOffset>* finished;
  std::vector<QueuedAction> again;  // to try again, in batch order
  std::chrono::milliseconds wait{0};
  bool unavailable = false;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_SINK_DISPATCHER_STATE_H_
