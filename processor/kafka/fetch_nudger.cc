#include "processor/kafka/fetch_nudger.h"

#include <algorithm>
#include <utility>

namespace fanout::kafka {
namespace {

// A query's timeout: long enough for a busy broker, short enough for Stop() at shutdown.
constexpr int kQueryTimeoutMs = 500;

}  // namespace

bool FetchNudger::Wanted(std::int64_t next_offset, std::int64_t high_watermark,
                         Clock::time_point last, Clock::time_point now) {
  if (high_watermark < 0) return false;  // nothing fetched yet: the first fetch is under way
  if (next_offset >= high_watermark) return false;
  return last == Clock::time_point{} || now - last >= kMinInterval;
}

void FetchNudger::Start(rd_kafka_t* handle) {
  handle_ = handle;
  {
    MutexLock lock(&mutex_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void FetchNudger::Consider(const TopicPartition& tp, std::int64_t next_offset) {
  if (handle_ == nullptr || !thread_.joinable()) return;
  std::int64_t low = -1;
  std::int64_t high = -1;
  if (rd_kafka_get_watermark_offsets(handle_, tp.topic.c_str(), tp.partition, &low, &high) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  const Clock::time_point now = Clock::now();
  auto [it, fresh] = last_.try_emplace(tp, Clock::time_point{});
  if (!Wanted(next_offset, high, it->second, now)) return;
  it->second = now;
  ++nudges_;
  MutexLock lock(&mutex_);
  if (std::find(wanted_.begin(), wanted_.end(), tp) == wanted_.end()) wanted_.push_back(tp);
  wake_.notify_one();
}

void FetchNudger::Forget(const std::vector<TopicPartition>* partitions) {
  if (partitions == nullptr) {
    last_.clear();
  } else {
    for (const TopicPartition& tp : *partitions) last_.erase(tp);
  }
  MutexLock lock(&mutex_);
  std::erase_if(wanted_, [partitions](const TopicPartition& tp) {
    return partitions == nullptr ||
           std::find(partitions->begin(), partitions->end(), tp) != partitions->end();
  });
}

void FetchNudger::Stop() {
  {
    MutexLock lock(&mutex_);
    stop_ = true;
    wanted_.clear();
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void FetchNudger::Run() {
  MutexLock lock(&mutex_);
  while (true) {
    wake_.wait(lock.native(),
               [this]() NO_THREAD_SAFETY_ANALYSIS { return stop_ || !wanted_.empty(); });
    if (stop_) return;
    std::vector<TopicPartition> batch = std::exchange(wanted_, {});
    lock.Unlock();
    for (const TopicPartition& tp : batch) {
      // The answer does not matter: the request reaching the leader's broker thread is the point.
      std::int64_t low = -1;
      std::int64_t high = -1;
      (void)rd_kafka_query_watermark_offsets(handle_, tp.topic.c_str(), tp.partition, &low, &high,
                                             kQueryTimeoutMs);
    }
    lock.Lock();
  }
}

}  // namespace fanout::kafka
