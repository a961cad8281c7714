// PartitionQueues: the consumer's assigned partitions, each on a librdkafka queue of its own, and
// one eventfd that says "something to read" for all of them, the consumer queue and Wake().
// Internal to processor/kafka (kafka_consumer.cc).
//
// Why: backpressure holds a partition back by not reading its queue, so what librdkafka prefetched
// for it (up to queued.min.messages / queued.max.messages.kbytes) stays there for when it is let
// go. rd_kafka_pause_partitions would purge that prefetch and refetch it on resume: measured, the
// sink benchmarks idled most of the time at the in-flight bound (docs/BENCHMARKS.md).
//
// Thread-safety: Wake() from any thread, also after Close(); everything else on the consume thread.
#ifndef FANOUT_PROCESSOR_KAFKA_PARTITION_QUEUES_H_
#define FANOUT_PROCESSOR_KAFKA_PARTITION_QUEUES_H_

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/core/thread_annotations.h"

namespace fanout::kafka {

class PartitionQueues {
 public:
  PartitionQueues() = default;
  PartitionQueues(const PartitionQueues&) = delete;
  PartitionQueues& operator=(const PartitionQueues&) = delete;
  ~PartitionQueues() { Close(); }

  // Starts signalling for `handle`'s consumer queue (not owned; must outlive Release()).
  void Open(rd_kafka_t* handle);

  // Gives `tp` a queue of its own, off the consumer queue; true once it has one. Before the
  // partition is assigned librdkafka may not know it yet (false): call again after assigning.
  bool Split(const TopicPartition& tp);
  // Gives up the queues of `partitions` (all of them: nullptr).
  void Drop(const std::vector<TopicPartition>* partitions);

  // Appends to `out` up to `room` messages of the queues whose partition is not in `held`,
  // round robin so that a full batch does not always favour the same partition; returns how many.
  // Errors: from librdkafka (nothing appended by the failing queue).
  Result<std::size_t> Take(const std::set<TopicPartition>& held, std::size_t room,
                           std::vector<rd_kafka_message_t*>& out);

  // The partitions the last Take() read from and left running low: emptied (fewer messages
  // than asked for), or with an estimated `low_water_bytes` or less still queued (the messages
  // left times the average size of those read). With the offset after the last message read
  // from each (-1 when none was read yet): what FetchNudger considers. Refetching before the
  // queue is empty keeps the consumer from waiting a fetch round trip on every refill.
  struct RunningLow {
    const TopicPartition* tp;  // valid until the next Split() or Drop()
    std::int64_t next_offset;
  };
  const std::vector<RunningLow>& running_low() const { return running_low_; }
  void set_low_water_bytes(std::size_t bytes) { low_water_bytes_ = bytes; }

  // Clears the signal; call before reading the queues, then Wait() if there was nothing.
  void ResetSignal();
  // Blocks until a queue turns non-empty, Wake() is called, or `timeout_ms` passes.
  void Wait(int timeout_ms);
  void Wake() EXCLUDES(fd_mutex_);

  // Every queue reference released (librdkafka wants that before rd_kafka_consumer_close).
  void Release();
  // Release(), and the eventfd closed: call after rd_kafka_destroy. Idempotent.
  void Close() EXCLUDES(fd_mutex_);

 private:
  void EnableSignal(rd_kafka_queue_t* queue);
  static void ReleaseQueue(rd_kafka_queue_t* queue);
  // fd_ read on the consume thread, the only one that writes it (Open, Close): no lock needed
  // there, only Wake() on other threads races with Close().
  int owner_fd() const NO_THREAD_SAFETY_ANALYSIS { return fd_; }

  struct Entry {
    TopicPartition tp;
    rd_kafka_queue_t* queue;
    std::int64_t next_offset = -1;
    double average_bytes = 0;  // of the messages read, a moving average
  };
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_queue_t* consumer_queue_ = nullptr;
  std::vector<Entry> queues_;
  std::size_t next_ = 0;  // Take's round-robin start
  std::vector<RunningLow> running_low_;
  std::size_t low_water_bytes_ = 0;
  Mutex fd_mutex_;  // written under it; read unlocked by owner_fd() on the consume thread
  int fd_ GUARDED_BY(fd_mutex_) = -1;  // eventfd: librdkafka's "not empty" signal, and Wake()
};

}  // namespace fanout::kafka

#endif  // FANOUT_PROCESSOR_KAFKA_PARTITION_QUEUES_H_
