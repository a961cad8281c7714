// BeginWrite: the start every batching sink's Write shares -- count the write with the sink's
// WriteTracker, answer at once (on the sink's strand) when the sink is closed, the batch is empty
// or over batch_size, or an action was built by another sink type, and otherwise hand back the
// typed actions with the one callback that must end the write.
//
// Thread-safety: as Sink::Write. Internal to sinks/ (an implementation helper, not an interface).
#ifndef FANOUT_SINKS_BEGIN_WRITE_H_
#define FANOUT_SINKS_BEGIN_WRITE_H_

#include <boost/asio/post.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sinks/sink.h"
#include "sinks/write_tracker.h"

namespace fanout {

// Answers every one of `count` actions with `result` through `complete`, on `strand`.
template <typename Strand>
void FinishWriteNow(const Strand& strand, WriteCallback complete, std::size_t count,
                    ActionResult result) {
  boost::asio::post(strand, [complete = std::move(complete), count, result = std::move(result)] {
    complete(std::vector<ActionResult>(count, result));
  });
}

template <typename Action>
struct StartedWrite {
  std::vector<const Action*> actions;
  // Answers the write, then tells the tracker it is done: every path must call it exactly once.
  WriteCallback complete;
};

// nullopt: the write was answered already. `sink_kind` names the sink type for the error about a
// foreign action ("a redis sink").
template <typename Action, typename Strand>
std::optional<StartedWrite<Action>> BeginWrite(std::span<const SinkAction* const> batch,
                                               WriteCallback done,
                                               const std::shared_ptr<WriteTracker>& tracker,
                                               const Strand& strand, std::size_t batch_size,
                                               std::string_view sink_kind) {
  const std::size_t count = batch.size();
  const bool closed = !tracker->Begin();
  WriteCallback complete = [tracker, done = std::move(done)](std::vector<ActionResult> results) {
    done(std::move(results));
    tracker->Done();
  };
  auto finish_now = [&](ActionResult result) {
    FinishWriteNow(strand, std::move(complete), count, std::move(result));
    return std::nullopt;
  };
  if (closed) return finish_now(ActionResult::Unavailable("the sink is closed"));
  if (count == 0) return finish_now(ActionResult::Applied());
  if (count > batch_size) {
    return finish_now(ActionResult::Fatal("a write of " + std::to_string(count) +
                                          " actions, over the sink's batch_size"));
  }
  StartedWrite<Action> started;
  started.actions.reserve(count);
  for (const SinkAction* action : batch) {
    const auto* typed = dynamic_cast<const Action*>(action);
    if (typed == nullptr) {
      return finish_now(ActionResult::Fatal("an action not built by " + std::string(sink_kind)));
    }
    started.actions.push_back(typed);
  }
  started.complete = std::move(complete);
  return started;
}

}  // namespace fanout

#endif  // FANOUT_SINKS_BEGIN_WRITE_H_
