#include "sinks/redis/pipeline.h"

#include <utility>

#include "sinks/redis/errors.h"
#include "sinks/redis/guard.h"

namespace fanout {

RedisPipeline::RedisPipeline(std::vector<const RedisAction*> actions)
    : actions_(std::move(actions)), results_(actions_.size()) {
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    for (const RedisCommand& command : actions_[i]->commands()) entries_.push_back({i, &command});
  }
}

std::string RedisPipeline::Bytes() const {
  std::size_t total = 0;
  for (const RedisAction* action : actions_) total += action->resp().size();
  std::string out;
  out.reserve(total);
  for (const RedisAction* action : actions_) out.append(action->resp());
  return out;
}

void RedisPipeline::Fold(const Entry& entry, const RespReply* reply, const ActionResult& missing) {
  ActionResult& result = results_[entry.action];
  if (reply == nullptr) {
    KeepWorse(&result, missing);
    return;
  }
  KeepWorse(&result, ClassifyReply(entry.command->kind, *reply));
}

std::string RedisPipeline::Record(std::span<const RespReply> replies, const ActionResult& missing) {
  std::string fallback;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    const RespReply* reply = i < replies.size() ? &replies[i] : nullptr;
    if (reply != nullptr && entry.command->kind == RedisCommandKind::kGuardedWrite &&
        IsNoScript(*reply)) {
      const RedisAction& action = *actions_[entry.action];
      fallback.append(GuardedWriteAsEval(action.bytes(*entry.command), entry.command->eval_tail));
      fallback_.push_back(entry);
      continue;
    }
    Fold(entry, reply, missing);
  }
  return fallback;
}

void RedisPipeline::RecordFallback(std::span<const RespReply> replies,
                                   const ActionResult& missing) {
  for (std::size_t i = 0; i < fallback_.size(); ++i) {
    Fold(fallback_[i], i < replies.size() ? &replies[i] : nullptr, missing);
  }
}

}  // namespace fanout
