#include "processor/kafka/partition_queues.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

#include "processor/kafka/kafka_errors.h"

namespace fanout::kafka {

void PartitionQueues::Open(rd_kafka_t* handle) {
  handle_ = handle;
  {
    MutexLock lock(&fd_mutex_);
    fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  consumer_queue_ = rd_kafka_queue_get_consumer(handle_);
  EnableSignal(consumer_queue_);
}

void PartitionQueues::EnableSignal(rd_kafka_queue_t* queue) {
  // librdkafka writes kSignal to fd_ when the queue turns non-empty.
  static constexpr std::uint64_t kSignal = 1;
  const int fd = owner_fd();
  if (fd >= 0) rd_kafka_queue_io_event_enable(queue, fd, &kSignal, sizeof(kSignal));
}

bool PartitionQueues::Split(const TopicPartition& tp) {
  running_low_.clear();  // its pointers into queues_ would not survive a push_back
  for (const Entry& entry : queues_) {
    if (entry.tp == tp) return true;
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_get_partition(handle_, tp.topic.c_str(), tp.partition);
  if (queue == nullptr) return false;
  rd_kafka_queue_forward(queue, nullptr);  // off the consumer queue
  EnableSignal(queue);
  queues_.push_back(Entry{tp, queue});
  return true;
}

void PartitionQueues::ReleaseQueue(rd_kafka_queue_t* queue) {
  rd_kafka_queue_io_event_enable(queue, -1, nullptr, 0);
  rd_kafka_queue_destroy(queue);
}

void PartitionQueues::Drop(const std::vector<TopicPartition>* partitions) {
  running_low_.clear();
  std::erase_if(queues_, [partitions](const Entry& entry) {
    if (partitions != nullptr &&
        std::find(partitions->begin(), partitions->end(), entry.tp) == partitions->end()) {
      return false;
    }
    ReleaseQueue(entry.queue);
    return true;
  });
}

Result<std::size_t> PartitionQueues::Take(const std::set<TopicPartition>& held, std::size_t room,
                                          std::vector<rd_kafka_message_t*>& out) {
  running_low_.clear();
  const std::size_t count = queues_.size();
  if (count == 0 || room == 0) return std::size_t{0};
  const std::size_t first_size = out.size();
  const std::size_t first = next_++ % count;
  for (std::size_t i = 0; i < count && out.size() - first_size < room; ++i) {
    Entry& entry = queues_[(first + i) % count];
    if (held.contains(entry.tp)) continue;
    const std::size_t at = out.size();
    const std::size_t want = room - (at - first_size);
    out.resize(at + want);
    const ssize_t got = rd_kafka_consume_batch_queue(entry.queue, 0, out.data() + at, want);
    out.resize(at + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    if (got < 0) {
      return FromKafkaError(rd_kafka_last_error(), "consume " + ToString(entry.tp));
    }
    for (std::size_t m = at; m < out.size(); ++m) {
      const rd_kafka_message_t* message = out[m];
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      entry.next_offset = message->offset + 1;
      const auto bytes = static_cast<double>(message->len + message->key_len);
      entry.average_bytes =
          entry.average_bytes == 0 ? bytes : entry.average_bytes * 0.9 + bytes * 0.1;
    }
    const bool emptied = static_cast<std::size_t>(got) < want;
    if (emptied || static_cast<double>(rd_kafka_queue_length(entry.queue)) * entry.average_bytes <=
                       static_cast<double>(low_water_bytes_)) {
      running_low_.push_back(RunningLow{&entry.tp, entry.next_offset});
    }
  }
  return out.size() - first_size;
}

void PartitionQueues::ResetSignal() {
  std::uint64_t count = 0;
  const int fd = owner_fd();
  if (fd >= 0) (void)!read(fd, &count, sizeof(count));
}

void PartitionQueues::Wait(int timeout_ms) {
  const int event_fd = owner_fd();
  if (event_fd < 0) {  // no eventfd: poll the queues every 10 ms instead
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 10)));
    return;
  }
  pollfd fd{event_fd, POLLIN, 0};
  (void)::poll(&fd, 1, timeout_ms);
}

void PartitionQueues::Wake() {
  MutexLock lock(&fd_mutex_);
  const std::uint64_t one = 1;
  if (fd_ >= 0) (void)!write(fd_, &one, sizeof(one));
}

void PartitionQueues::Release() {
  Drop(nullptr);
  if (consumer_queue_ != nullptr) ReleaseQueue(consumer_queue_);
  consumer_queue_ = nullptr;
}

void PartitionQueues::Close() {
  Release();
  MutexLock lock(&fd_mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace fanout::kafka
