// FakeSink: a Sink for unit tests of the delivery core. Every Write is recorded with its
// callback; the test answers it later (Answer) or answers every write at once (auto_answer).
#ifndef FANOUT_TESTS_FAKES_FAKE_SINK_H_
#define FANOUT_TESTS_FAKES_FAKE_SINK_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "processor/sink/sink.h"

namespace fanout::testing {

// An action that carries a label the test can recognise.
struct LabelAction final : SinkAction {
  explicit LabelAction(std::string l) : label(std::move(l)) {}
  std::string label;
};

inline std::unique_ptr<SinkAction> Label(std::string label) {
  return std::make_unique<LabelAction>(std::move(label));
}

class FakeSink final : public Sink, public ChainedWriter {
 public:
  FakeSink(std::size_t max_batch, std::size_t lanes) : max_batch_(max_batch), lanes_(lanes) {}

  struct WriteCall {
    std::vector<std::string> labels;
    WriteCallback done;
  };
  std::deque<WriteCall> writes;                   // unanswered, oldest first
  std::vector<std::vector<std::string>> history;  // every batch written
  std::vector<bool> behind;                       // per batch: sent through WriteBehind
  // When set, every Write is answered at once, each action with this outcome.
  std::optional<ActionResult> auto_answer;

  // Answers the oldest unanswered write with one result per action.
  void Answer(std::vector<ActionResult> results) {
    WriteCall call = std::move(writes.front());
    writes.pop_front();
    call.done(std::move(results));
  }
  // Answers the oldest unanswered write with `result` for every action.
  void AnswerAll(const ActionResult& result) {
    Answer(std::vector<ActionResult>(writes.front().labels.size(), result));
  }

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding&) override {
    return InvalidArgument("not used");
  }
  Status Start(std::chrono::milliseconds) override { return Status(); }
  // What Probe answers (after a kRefused), and how often it was asked.
  Status probe_answer;
  int probes = 0;
  Status Probe(std::chrono::milliseconds) override {
    ++probes;
    return probe_answer;
  }
  void WriteBehind(std::span<const SinkAction* const> batch, WriteCallback done) override {
    Write(batch, std::move(done));
    behind.back() = true;
  }
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override {
    behind.push_back(false);
    WriteCall call;
    for (const SinkAction* action : batch) {
      call.labels.push_back(static_cast<const LabelAction*>(action)->label);
    }
    history.push_back(call.labels);
    if (auto_answer) {
      done(std::vector<ActionResult>(call.labels.size(), *auto_answer));
      return;
    }
    call.done = std::move(done);
    writes.push_back(std::move(call));
  }
  std::size_t max_batch() const override { return max_batch_; }
  std::size_t max_concurrency() const override { return lanes_; }
  SinkCapabilities capabilities() override {
    return SinkCapabilities{.lane_by = lane_by,
                            .max_batches_per_lane = depth,
                            .chained_writer = depth > 1 ? this : nullptr,
                            .assignment_listener = assignment_listener};
  }
  std::size_t depth = 1;  // batches per lane in flight (set before the dispatcher is made)
  LaneBy lane_by = LaneBy::kRowKey;
  PartitionAssignmentListener* assignment_listener = nullptr;
  void Close() override {}

 private:
  std::size_t max_batch_;
  std::size_t lanes_;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_FAKES_FAKE_SINK_H_
