// FetchNudger: wakes librdkafka's fetcher for a partition whose prefetch queue the consumer has
// just emptied, or drawn below half of its bound, while the partition still has records on the
// broker. Internal to processor/kafka (kafka_consumer.cc).
//
// Why: librdkafka 2.0 decides whether to fetch a partition only when the broker thread that
// serves it wakes up: on a fetch response, an operation queued to it, or after a second of
// nothing. A partition whose queue went over queued.max.messages.kbytes is left out of the next
// fetch, and when every partition of a broker is left out nothing wakes that thread for up to a
// second (confluentinc/librdkafka#2879; `fetch.queue.backoff.ms` only came in 2.2). A small
// prefetch queue is then drained long before the second is over: measured 5.9k vs 20k events/s on
// one partition (docs/BENCHMARKS.md). A watermark query is a request to the partition's leader,
// i.e. an operation for exactly that broker thread, which then sees the queue under its bound and
// fetches. Asking at half rather than at empty lets the fetch overlap the rest of the queue.
// It runs on a thread of its own so that the consume loop never waits for the round trip.
//
// Thread-safety: Start(), Consider(), Forget() and Stop() on the consume thread; the queries on
// the nudger's thread.
#ifndef FANOUT_PROCESSOR_KAFKA_FETCH_NUDGER_H_
#define FANOUT_PROCESSOR_KAFKA_FETCH_NUDGER_H_

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <thread>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/thread_annotations.h"

namespace fanout::kafka {

class FetchNudger {
 public:
  using Clock = std::chrono::steady_clock;
  // A partition is nudged at most once per kMinInterval: a broker that is merely slow to answer
  // a fetch is not sent a query per poll.
  static constexpr std::chrono::milliseconds kMinInterval{10};

  // Whether a partition whose queue the consumer just drew low needs a nudge: it has records on
  // the broker past `next_offset` (the next one the consumer would read; -1 when none was read
  // yet) by the client's cached `high_watermark` (-1 when unknown), and it was not nudged in the
  // last kMinInterval (`last`, time_point{} when never). Caught up (next_offset == high watermark),
  // a fetch is already waiting at the broker and nothing needs waking.
  [[nodiscard]] static bool Wanted(std::int64_t next_offset, std::int64_t high_watermark,
                                   Clock::time_point last, Clock::time_point now);

  FetchNudger() = default;
  FetchNudger(const FetchNudger&) = delete;
  FetchNudger& operator=(const FetchNudger&) = delete;
  ~FetchNudger() { Stop(); }

  // Starts the nudger's thread for `handle` (not owned; must outlive Stop()).
  void Start(rd_kafka_t* handle) EXCLUDES(mutex_);
  // Considers `tp`, whose queue just ran low, with `next_offset` the next offset to read.
  void Consider(const TopicPartition& tp, std::int64_t next_offset) EXCLUDES(mutex_);
  // Forgets the partitions that left the assignment (all of them: nullptr).
  void Forget(const std::vector<TopicPartition>* partitions) EXCLUDES(mutex_);
  // Joins the thread (waits for a query under way); call before the client is closed.
  // Idempotent.
  void Stop() EXCLUDES(mutex_);

  std::int64_t nudges() const { return nudges_; }

 private:
  void Run() EXCLUDES(mutex_);

  rd_kafka_t* handle_ = nullptr;
  std::map<TopicPartition, Clock::time_point> last_;  // consume thread only
  std::int64_t nudges_ = 0;                           // consume thread only
  Mutex mutex_;
  std::condition_variable wake_;
  std::vector<TopicPartition> wanted_ GUARDED_BY(mutex_);
  bool stop_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace fanout::kafka

#endif  // FANOUT_PROCESSOR_KAFKA_FETCH_NUDGER_H_
