// RedisAction: what one (event, route) asks of Redis, as RESP commands ready to be pipelined.
// Built once on the consume thread (sinks/redis/action_builder.h), then only read by the
// connection's thread: the bytes are formatted up front so that Write() only concatenates.
#ifndef FANOUT_SINKS_REDIS_ACTION_H_
#define FANOUT_SINKS_REDIS_ACTION_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/sink.h"

namespace fanout {

enum class RedisCommandKind : std::uint8_t {
  kInvalidate,    // UNLINK key...: an integer reply
  kGuardedWrite,  // EVALSHA of the guard script: 1 written, 0 stale
  kPublish,       // PUBLISH channel message: an integer reply (receivers, 0 is fine)
};

struct RedisCommand {
  RedisCommandKind kind = RedisCommandKind::kInvalidate;
  std::size_t offset = 0;  // of its first byte in RedisAction::resp()
  std::size_t length = 0;
  // kGuardedWrite: where, counted from the command's first byte, the arguments after the script
  // SHA begin (see GuardedWriteAsEval).
  std::size_t eval_tail = 0;
};

class RedisAction final : public SinkAction {
 public:
  // Every command, back to back, in RESP.
  std::string_view resp() const { return resp_; }
  std::span<const RedisCommand> commands() const { return commands_; }
  std::string_view bytes(const RedisCommand& command) const {
    return std::string_view(resp_).substr(command.offset, command.length);
  }

  // For the builder: append a command's bytes to *mutable_resp(), then record it with the size
  // resp() had before.
  std::string* mutable_resp() { return &resp_; }
  void AddCommand(RedisCommandKind kind, std::size_t offset, std::size_t eval_tail = 0) {
    commands_.push_back({kind, offset, resp_.size() - offset, eval_tail});
  }

 private:
  std::string resp_;
  std::vector<RedisCommand> commands_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_ACTION_H_
