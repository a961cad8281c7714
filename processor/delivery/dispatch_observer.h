// What the sink dispatcher reports as it goes, for metrics and health: narrow interfaces the
// delivery core calls and observability/ implements (observability/dispatch_observers.h), so
// that processor/ depends on no metrics library.
//
// Thread-safety: RouteObserver and SinkObserver::OnAvailability are called on the consume
// thread; SinkObserver::OnRequest on a sink's I/O thread (a sink's callback), so it must be
// thread-safe.
#ifndef FANOUT_PROCESSOR_DELIVERY_DISPATCH_OBSERVER_H_
#define FANOUT_PROCESSOR_DELIVERY_DISPATCH_OBSERVER_H_

#include <chrono>
#include <cstdint>

#include "processor/sink/sink.h"

namespace fanout {

// When the change an action carries was made, and when it reached Kafka: the two starts of its
// freshness, on the wall clock in milliseconds.
struct ChangeTimes {
  std::int64_t source_ts_ms = 0;  // the source's commit (Debezium source.ts_ms); 0: unknown
  std::int64_t kafka_ts_ms = -1;  // the Kafka record's timestamp; -1: the broker gave none
};

// What became of one route's actions on its sink.
class RouteObserver {
 public:
  virtual ~RouteObserver() = default;
  // A sink answered an action of the route: kApplied, kAlreadyApplied, kRetry (a counted failed
  // attempt that will be tried again) or kUnavailable (the sink was down; not counted). For
  // kApplied and kAlreadyApplied (the sink acknowledged: it holds the change), `times` says when
  // the change was made and reached Kafka; otherwise it is empty.
  virtual void OnOutcome(ActionOutcome outcome, const ChangeTimes& times) = 0;
  // An action of the route was dead-lettered (bad record, refused, retries exhausted).
  virtual void OnDeadLettered() = 0;
};

// One sink's requests and availability.
class SinkObserver {
 public:
  virtual ~SinkObserver() = default;
  // A Write() was answered `latency` after it was sent. On the sink's I/O thread.
  virtual void OnRequest(std::chrono::steady_clock::duration latency) = 0;
  // The sink answered kUnavailable (false) or succeeded again (true); true once at the start.
  virtual void OnAvailability(bool available) = 0;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_DELIVERY_DISPATCH_OBSERVER_H_
