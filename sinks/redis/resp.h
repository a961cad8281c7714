// RESP (the Redis protocol) for the Redis sink: commands as arrays of bulk strings (binary-safe:
// every argument is length-prefixed), formatted here, and replies parsed by hiredis's reader,
// copied into plain C++ values. Pure: no I/O. hiredis stays behind this header.
//
// Commands are not formatted by hiredis's redisFormatCommandArgv: it sprintf()s every length into
// a buffer of its own, which was ~6% of all CPU samples of the Redis invalidation benchmark. The
// bytes are the same (tests/unit/sinks/redis/resp_test.cc).
#ifndef FANOUT_SINKS_REDIS_RESP_H_
#define FANOUT_SINKS_REDIS_RESP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"

namespace fanout {

// Collects the arguments of one command, then appends it in RESP. The arguments are borrowed:
// they must stay alive until AppendTo.
class RespCommand {
 public:
  RespCommand& Arg(std::string_view arg) {
    args_.push_back(arg);
    return *this;
  }
  std::size_t size() const { return args_.size(); }
  // Appends the command to *out.
  void AppendTo(std::string* out) const;

 private:
  std::vector<std::string_view> args_;
};

// The pieces of a command, for callers that know their arguments one at a time: the array
// header of an `arguments`-long command, then each argument as a bulk string.
void AppendRespArrayHeader(std::size_t arguments, std::string* out);
void AppendRespBulk(std::string_view argument, std::string* out);

// One reply, as the server sent it (RESP2).
struct RespReply {
  enum class Type : std::uint8_t { kString, kArray, kInteger, kNil, kStatus, kError };

  Type type = Type::kNil;
  std::int64_t integer = 0;         // kInteger
  std::string text;                 // kString, kStatus and kError ("WRONGTYPE Operation ...")
  std::vector<RespReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
};

// Replies from a byte stream, in order. Not thread-safe: one reader per connection.
class RespReader {
 public:
  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  // Adds bytes read from the socket. DataLoss when the reader is broken (out of memory).
  Status Feed(std::string_view bytes);
  // The next complete reply, or nullopt when more bytes are needed. DataLoss on bytes that are
  // not RESP: the connection can no longer be trusted and must be closed.
  Result<std::optional<RespReply>> Next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_RESP_H_
