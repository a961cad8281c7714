// FakeConsumer: a scripted Consumer for unit tests. Each Poll plays one Step (rebalance events,
// then records or an error); when the script is exhausted it sets the stop flag it was given.
#ifndef FANOUT_TESTS_FAKES_FAKE_CONSUMER_H_
#define FANOUT_TESTS_FAKES_FAKE_CONSUMER_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "processor/kafka/consumer.h"

namespace fanout::testing {

struct FakeRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string value;
};

struct FakeStep {
  std::vector<TopicPartition> assign;
  std::vector<TopicPartition> revoke;
  bool lost = false;
  std::vector<FakeRecord> records;
  Status poll_error;
};

class FakeConsumer final : public Consumer {
 public:
  explicit FakeConsumer(std::atomic<bool>* stop) : stop_(stop) {}

  std::deque<FakeStep> steps;
  std::vector<std::vector<PartitionOffset>> commits;
  Status commit_error;
  bool subscribed = false;
  bool closed = false;

  Status Subscribe(RebalanceListener* listener) override {
    listener_ = listener;
    subscribed = true;
    return Status();
  }

  Result<std::unique_ptr<RecordBatch>> Poll(std::chrono::milliseconds, std::size_t) override {
    auto batch = std::make_unique<Batch>();
    if (steps.empty()) {
      stop_->store(true);
      return std::unique_ptr<RecordBatch>(std::move(batch));
    }
    FakeStep step = std::move(steps.front());
    steps.pop_front();
    if (!step.assign.empty()) listener_->OnAssigned(step.assign);
    if (!step.revoke.empty()) listener_->OnRevoked(step.revoke, step.lost);
    if (!step.poll_error.ok()) return step.poll_error;
    batch->owned = std::move(step.records);
    for (const FakeRecord& r : batch->owned) {
      KafkaRecordView view;
      view.topic = r.topic;
      view.partition = r.partition;
      view.offset = r.offset;
      view.value = r.value;
      batch->views.push_back(view);
    }
    return std::unique_ptr<RecordBatch>(std::move(batch));
  }

  Status Commit(const std::vector<PartitionOffset>& offsets) override {
    if (!commit_error.ok()) return commit_error;
    commits.push_back(offsets);
    for (const PartitionOffset& po : offsets) committed[po.tp] = po;
    return Status();
  }

  // What Commit() stored last per partition (tests may also preset it, as another member's).
  std::map<TopicPartition, PartitionOffset> committed;
  Status committed_error;
  Result<std::vector<PartitionOffset>> Committed(
      const std::vector<TopicPartition>& partitions) override {
    if (!committed_error.ok()) return committed_error;
    std::vector<PartitionOffset> out;
    for (const TopicPartition& tp : partitions) {
      auto it = committed.find(tp);
      out.push_back(it != committed.end() ? it->second : PartitionOffset{tp, -1, {}});
    }
    return out;
  }

  Status RewindToCommitted() override {
    ++rewinds;
    return Status();
  }
  int rewinds = 0;

  std::int64_t LagRecords() override { return 0; }

  Status Pause(const std::vector<TopicPartition>& partitions) override {
    for (const TopicPartition& tp : partitions) paused.insert(tp);
    ++pause_calls;
    return Status();
  }
  Status Resume(const std::vector<TopicPartition>& partitions) override {
    for (const TopicPartition& tp : partitions) paused.erase(tp);
    ++resume_calls;
    return Status();
  }
  std::set<TopicPartition> paused;
  int pause_calls = 0;
  int resume_calls = 0;

  void Wake() override { wakes.fetch_add(1); }
  std::atomic<int> wakes{0};

  Status Close() override {
    closed = true;
    return Status();
  }

 private:
  struct Batch final : RecordBatch {
    std::vector<FakeRecord> owned;
    std::vector<KafkaRecordView> views;
    std::span<const KafkaRecordView> records() const override { return views; }
  };

  std::atomic<bool>* stop_;
  RebalanceListener* listener_ = nullptr;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_FAKES_FAKE_CONSUMER_H_
