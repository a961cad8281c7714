// RedisConnection: one connection of the Redis sink's pool, carrying one pipelined exchange at a
// time: every command written in one go, then their replies read back in order. Opening,
// deadlines, stale completions and closing are TcpConnection's (sinks/net/tcp_connection.h).
//
// Every new connection first sends the handshake (AUTH, SELECT, SCRIPT LOAD, pipelined), so every
// reconnect authenticates, selects the database and loads the guard script again. A reply that
// says the server cannot take writes (ErrorReplyNeedsReconnect), or a stream out of step, ends
// the connection after its exchange.
//
// RedisConnectionPool: the shared pool (sinks/net/connection_pool.h) of these connections.
//
// Thread-safety: none. Every call and every handler runs on the pool's strand.
#ifndef FANOUT_SINKS_REDIS_CONNECTION_H_
#define FANOUT_SINKS_REDIS_CONNECTION_H_

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "processor/core/status.h"
#include "sinks/net/connection_pool.h"
#include "sinks/net/tcp_connection.h"
#include "sinks/redis/errors.h"
#include "sinks/redis/resp.h"
#include "sinks/redis/settings.h"

namespace fanout {

// What a new connection sends before anything else.
struct RedisHandshake {
  std::string bytes;        // AUTH (when a password is set), SELECT (db not 0), SCRIPT LOAD
  std::size_t replies = 0;  // how many replies they get
  std::string script_sha;   // what SCRIPT LOAD, the last of them, must answer
};

// The handshake for `settings`. Internal if a command cannot be formatted.
Result<RedisHandshake> MakeRedisHandshake(const RedisSinkSettings& settings);

// A pipeline: its bytes, and how many replies they get.
struct RedisRequest {
  std::shared_ptr<const std::string> commands;
  std::size_t replies = 0;
};

class RedisConnection final : public TcpConnection {
 public:
  using Request = RedisRequest;
  using Exchange = RedisExchangeResult;
  using Callback = std::function<void(RedisExchangeResult)>;

  // Plain TCP when `tls` is null.
  RedisConnection(NetStrand strand, std::string host, std::string port,
                  std::shared_ptr<const RedisHandshake> handshake,
                  std::shared_ptr<const TlsContext> tls);

  // Opens the connection (and does the handshake) if it is not open yet; `done` gets stage kDone
  // on success. REQUIRES: idle() and usable().
  void Open(Clock::time_point deadline, Callback done);
  // Writes the commands (opening the connection first if needed) and reads their replies.
  // REQUIRES: idle(), usable() and request.replies > 0.
  void Send(const RedisRequest& request, Clock::time_point deadline, Callback done);

  bool idle() const override { return done_ == nullptr; }

 private:
  void OnTransportReady(bool fresh) override;
  void Fail(NetStage stage, const boost::system::error_code& error) override;
  // Writes the handshake (stage kHandshake) or the commands (kWrite), then reads their replies.
  void Write(NetStage stage);
  void OnWritten(const boost::system::error_code& error);
  void Read();
  void OnRead(const boost::system::error_code& error, std::size_t size);
  // Every expected reply of the current round has arrived.
  void OnRoundDone();
  void FailServer(std::string message, bool protocol_error);
  // Ends the exchange: state first, then the callback (which may start the next exchange).
  void Finish(RedisExchangeResult result);

  std::shared_ptr<const RedisHandshake> handshake_;
  RespReader reader_;
  std::array<char, 64 * 1024> buffer_{};

  bool got_response_bytes_ = false;
  RedisRequest request_;            // commands null for Open()
  std::vector<RespReply> replies_;  // of the current round
  Callback done_;
};

using RedisConnectionPool = ConnectionPool<RedisConnection>;

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_CONNECTION_H_
