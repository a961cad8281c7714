// RedisConnection: one TCP connection of the Redis sink's pool, carrying one pipelined exchange
// at a time: every command written in one go, then their replies read back in order.
//
// A connection is opened lazily by its first exchange: resolve, connect, TLS handshake (for
// rediss://), then the handshake
// (AUTH, SELECT, SCRIPT LOAD, pipelined), so every reconnect authenticates, selects the database
// and loads the guard script again. It lives until an exchange fails, a reply says the server
// cannot take writes (ErrorReplyNeedsReconnect), or Abort(); after that it is never used again
// (usable() is false) and the pool puts a new one in its place. Not reusing a failed object
// keeps stale completions of the old socket away from a new exchange.
//
// Every exchange is bounded by its deadline (a timer for the resolver, the tcp_stream's expiry
// for connect, write and read) and completes exactly once: with the replies, with what ended it,
// or with operation_aborted from Abort(). Completions of superseded operations are told apart by
// a generation number and ignored.
//
// Thread-safety: none. Every call and every handler runs on the pool's strand; handlers hold a
// shared_ptr to the connection, so it outlives whatever the socket still has pending.
#ifndef FANOUT_SINKS_REDIS_CONNECTION_H_
#define FANOUT_SINKS_REDIS_CONNECTION_H_

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "processor/core/status.h"
#include "sinks/net/sink_stream.h"
#include "sinks/redis/errors.h"
#include "sinks/redis/resp.h"
#include "sinks/redis/settings.h"

namespace fanout {

using RedisStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

// What a new connection sends before anything else.
struct RedisHandshake {
  std::string bytes;        // AUTH (when a password is set), SELECT (db not 0), SCRIPT LOAD
  std::size_t replies = 0;  // how many replies they get
  std::string script_sha;   // what SCRIPT LOAD, the last of them, must answer
};

// The handshake for `settings`. Internal if a command cannot be formatted.
Result<RedisHandshake> MakeRedisHandshake(const RedisSinkSettings& settings);

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(RedisExchangeResult)>;

  // Plain TCP when `tls` is null.
  RedisConnection(RedisStrand strand, std::string host, std::string port,
                  std::shared_ptr<const RedisHandshake> handshake,
                  std::shared_ptr<const TlsContext> tls);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Opens the connection (and does the handshake) if it is not open yet; `done` gets stage kDone
  // on success. REQUIRES: idle() and usable().
  void Open(Clock::time_point deadline, Callback done);
  // Writes `commands` (opening the connection first if needed) and reads `replies` replies.
  // REQUIRES: idle(), usable() and replies > 0.
  void Send(std::shared_ptr<const std::string> commands, std::size_t replies,
            Clock::time_point deadline, Callback done);
  // Completes the exchange in flight, if any, with operation_aborted, and closes for good.
  void Abort();

  bool idle() const { return done_ == nullptr; }
  bool usable() const { return !broken_; }
  bool open() const { return open_; }

 private:
  void Start();
  void OnResolved(std::uint64_t generation, const boost::system::error_code& error,
                  const boost::asio::ip::tcp::resolver::results_type& endpoints);
  void OnResolveTimer(std::uint64_t generation, const boost::system::error_code& error);
  void OnConnected(std::uint64_t generation, const boost::system::error_code& error);
  void OnTlsHandshake(std::uint64_t generation, const boost::system::error_code& error);
  // Writes the handshake (stage kHandshake) or the commands (kWrite), then reads their replies.
  void Write(RedisStage stage);
  void OnWritten(std::uint64_t generation, const boost::system::error_code& error);
  void Read();
  void OnRead(std::uint64_t generation, const boost::system::error_code& error, std::size_t size);
  // Every expected reply of the current round has arrived.
  void OnRoundDone();
  void Fail(RedisStage stage, const boost::system::error_code& error);
  void FailServer(std::string message, bool protocol_error);
  // Ends the exchange: state first, then the callback (which may start the next exchange).
  void Finish(RedisExchangeResult result);
  void CloseSocket();

  RedisStrand strand_;
  std::string host_;
  std::string port_;
  std::shared_ptr<const RedisHandshake> handshake_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer resolve_timer_;
  SinkStream stream_;
  RespReader reader_;
  std::array<char, 64 * 1024> buffer_{};

  std::uint64_t generation_ = 0;
  RedisStage stage_ = RedisStage::kResolve;  // of the exchange in flight
  bool resolving_ = false;                   // the resolver (and its timer) are running
  bool reused_ = false;                      // the exchange in flight is not the first here
  bool got_reply_bytes_ = false;
  bool open_ = false;
  bool broken_ = false;
  int exchanges_ = 0;  // completed on this connection: a later one is a reuse
  std::shared_ptr<const std::string> commands_;  // null for Open()
  std::size_t expected_ = 0;                     // replies the current round waits for
  std::vector<RespReply> replies_;               // of the current round
  Clock::time_point deadline_;
  Callback done_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_CONNECTION_H_
