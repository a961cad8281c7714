// What the consume loop reports as it goes, for metrics and health: a narrow interface the
// delivery core calls and observability/ implements (observability/loop_observability.h), so
// that processor/ depends on no metrics library.
//
// Thread-safety: every method is called on the consume loop's thread.
#ifndef FANOUT_PROCESSOR_DELIVERY_LOOP_OBSERVER_H_
#define FANOUT_PROCESSOR_DELIVERY_LOOP_OBSERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

// One assigned partition's progress (see ConsumeLoop::PublishProgress for how lag is judged).
struct PartitionProgress {
  TopicPartition tp;
  std::int64_t lag_records = 0;
  double lag_seconds = 0;
  std::size_t in_flight = 0;
  bool paused = false;
};

// The loop's progress, published about every `lag_interval`.
struct LoopProgress {
  std::size_t assigned = 0;   // partitions
  std::size_t paused = 0;     // partitions
  std::size_t in_flight = 0;  // records read and not yet finished
  // Assigned partitions the consumer knows a position of; empty when only the counts changed.
  std::vector<PartitionProgress> partitions;
};

class ConsumeLoopObserver {
 public:
  virtual ~ConsumeLoopObserver() = default;
  // The loop subscribed; it is stopping (shutdown has begun).
  virtual void OnStarted() = 0;
  virtual void OnStopping() = 0;
  // The loop went round once, at `now` (every iteration: keep it cheap).
  virtual void OnTurn(std::chrono::steady_clock::time_point now) = 0;
  // A record was read from Kafka, whatever it holds (every record: keep it cheap).
  virtual void OnConsumed() = 0;
  // The work since the last commit was thrown away (a transaction aborted).
  virtual void OnAborted() = 0;
  // A commit of offsets (a Kafka transaction or a group commit) succeeded or failed.
  virtual void OnCommit(const Status& status) = 0;
  // `partitions` were assigned, or revoked (`lost`: without a chance to commit); `remaining`
  // partitions are assigned afterwards.
  virtual void OnRebalance(const std::vector<TopicPartition>& partitions, bool assigned, bool lost,
                           std::size_t remaining) = 0;
  virtual void OnProgress(const LoopProgress& progress) = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_LOOP_OBSERVER_H_
