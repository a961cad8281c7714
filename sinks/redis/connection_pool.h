// RedisConnectionPool: at most `size` connections to one Redis server, and the pipelines waiting
// for one of them.
//
// A pipeline goes to an idle connection that is already open, else to any idle slot, which opens
// a new connection (resolve, connect, handshake); with every slot busy it waits, first come first
// served. A slot whose connection broke gets a new connection for its next pipeline: that is how
// the sink reconnects, on the next Write after a failure, never in the background.
//
// A pipeline that fails because its idle connection had been closed by the server or a proxy
// (see IsStaleConnectionFailure) is sent once more on a new connection, within the same
// deadline: that is normal connection churn, not an outage. Nothing else is retried here; the
// delivery core owns retries.
//
// Thread-safety: none. Every call runs on `strand`, and every callback is made there.
#ifndef FANOUT_SINKS_REDIS_CONNECTION_POOL_H_
#define FANOUT_SINKS_REDIS_CONNECTION_POOL_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sinks/redis/connection.h"

namespace fanout {

class RedisConnectionPool {
 public:
  using Clock = RedisConnection::Clock;
  using Callback = RedisConnection::Callback;

  RedisConnectionPool(RedisStrand strand, std::string host, std::string port,
                      std::shared_ptr<const RedisHandshake> handshake, std::size_t size,
                      std::shared_ptr<const TlsContext> tls);
  RedisConnectionPool(const RedisConnectionPool&) = delete;
  RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;

  // Sends `commands` and reads `replies` replies; `done` runs exactly once. The `timeout` starts
  // when a connection takes the pipeline, so waiting for a free connection does not eat into it.
  void Submit(std::shared_ptr<const std::string> commands, std::size_t replies,
              std::chrono::milliseconds timeout, Callback done);
  // Makes sure one connection is open and its handshake done (for Sink::Start); `done` gets
  // stage kDone on success.
  void Connect(std::chrono::milliseconds timeout, Callback done);
  // Completes every pipeline in flight or waiting with operation_aborted, closes every
  // connection, and answers later calls the same way.
  void Abort();

 private:
  struct Pending {
    std::shared_ptr<const std::string> commands;  // null: only open a connection
    std::size_t replies = 0;
    std::chrono::milliseconds timeout{0};
    Callback done;
  };

  // The idle slot to use next, or size() when every slot is busy.
  std::size_t PickSlot() const;
  void Run(std::size_t slot, Pending pending, Clock::time_point deadline, bool second_try);
  void Release(std::size_t slot);

  RedisStrand strand_;
  std::string host_;
  std::string port_;
  std::shared_ptr<const RedisHandshake> handshake_;
  std::shared_ptr<const TlsContext> tls_;                      // null: plain TCP
  std::vector<std::shared_ptr<RedisConnection>> connections_;  // null until first used
  std::vector<bool> busy_;
  std::deque<Pending> waiting_;
  bool aborted_ = false;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_CONNECTION_POOL_H_
