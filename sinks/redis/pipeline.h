// RedisPipeline: one Write's actions as one pipeline, and the replies folded back into one
// result per action. Pure: no I/O, so the reply bookkeeping is testable without a server.
//
// Round 1 sends every command of every action, in batch order (Redis runs a connection's
// commands in the order sent). Guarded writes answered NOSCRIPT are sent once more in a second
// round as EVAL with the script text; their order among themselves is kept, and the version
// guard makes it harmless that a later command of the batch may already have run.
//
// Thread-safety: none; used by one Write at a time.
#ifndef FANOUT_SINKS_REDIS_PIPELINE_H_
#define FANOUT_SINKS_REDIS_PIPELINE_H_

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "sinks/redis/action.h"
#include "sinks/redis/resp.h"
#include "sinks/sink.h"

namespace fanout {

class RedisPipeline {
 public:
  // The actions must stay alive and unchanged while this pipeline is used.
  explicit RedisPipeline(std::vector<const RedisAction*> actions);

  // Commands in round 1.
  std::size_t size() const { return entries_.size(); }
  // Round 1's bytes: every command, back to back.
  std::string Bytes() const;

  // Folds in round 1's replies: replies[i] answers command i; commands beyond the replies get
  // `missing` (the exchange failed before answering them). Returns the bytes of the fallback
  // round (EVAL for every NOSCRIPT answer), or "" when none is needed.
  std::string Record(std::span<const RespReply> replies, const ActionResult& missing);
  // Commands in the fallback round.
  std::size_t fallback_size() const { return fallback_.size(); }
  // Folds in the fallback round's replies, as Record does.
  void RecordFallback(std::span<const RespReply> replies, const ActionResult& missing);

  // One result per action, in batch order: the worst outcome of its commands.
  std::vector<ActionResult> TakeResults() { return std::move(results_); }

 private:
  struct Entry {
    std::size_t action = 0;
    const RedisCommand* command = nullptr;
  };
  void Fold(const Entry& entry, const RespReply* reply, const ActionResult& missing);

  std::vector<const RedisAction*> actions_;
  std::vector<Entry> entries_;
  std::vector<Entry> fallback_;
  std::vector<ActionResult> results_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_PIPELINE_H_
