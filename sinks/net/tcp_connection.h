// TcpConnection: the part of a pooled sink connection that does not depend on the protocol it
// carries -- resolve, connect, TLS handshake, the deadline, and telling current completions from
// stale ones. RedisConnection (sinks/redis/connection.h) and HttpConnection
// (sinks/net/http_connection.h) derive from it and add what they write and read.
//
// An exchange starts with BeginExchange(deadline). The connection is opened lazily by the first
// one (resolve, connect with TCP_NODELAY, TLS handshake when the sink's url asks for it); then,
// or at once when it is open already, the protocol's OnTransportReady() runs. A failure on the
// way ends up in the protocol's Fail(stage, error). The protocol ends every exchange exactly once
// with EndExchange(), which makes every completion of that exchange's operations stale: they are
// ignored (Current() wraps them), so a late answer of the resolver or of a cancelled socket
// operation never reaches the next exchange.
//
// A connection lives until an exchange fails, the protocol marks it broken (MarkBroken: a server
// that closes, a stream out of step), or Abort(); after that it is never used again (usable() is
// false) and the pool puts a new one in its place. Not reusing a failed object keeps stale
// completions of the old socket away from a new exchange.
//
// Every exchange is bounded by its deadline: a timer for the resolver (getaddrinfo has none of its
// own), the tcp_stream's expiry for connect and TLS, and the protocol sets it again for its own
// writes and reads (stream().tcp().expires_at(deadline())).
//
// Thread-safety: none. Every call and every handler runs on the pool's strand; handlers hold a
// shared_ptr to the connection, so it outlives whatever the socket still has pending.
//
// Internal to sinks/net and the sinks' connections: it exposes Boost.Asio types.
#ifndef FANOUT_SINKS_NET_TCP_CONNECTION_H_
#define FANOUT_SINKS_NET_TCP_CONNECTION_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "sinks/net/sink_stream.h"
#include "sinks/net/transport_errors.h"

namespace fanout {

using NetStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  using Clock = std::chrono::steady_clock;

  // Plain TCP when `tls` is null.
  TcpConnection(NetStrand strand, std::string host, std::string port,
                std::shared_ptr<const TlsContext> tls);
  virtual ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Completes the exchange in flight, if any, with operation_aborted, and closes for good.
  void Abort();

  // No exchange in flight.
  virtual bool idle() const = 0;
  bool usable() const { return !broken_; }
  bool open() const { return open_; }

 protected:
  // Starts an exchange bounded by `deadline`: OnTransportReady(false) at once when the connection
  // is open, else resolve, connect and TLS handshake, then OnTransportReady(true); a failure on
  // the way calls Fail() with its stage.
  void BeginExchange(Clock::time_point deadline);
  // The connection is open and the exchange may write (`fresh`: it has just been opened).
  virtual void OnTransportReady(bool fresh) = 0;
  // Ends the exchange in flight with `error` at `stage`: MarkBroken(), then EndExchange() and the
  // exchange's callback, with whatever else the protocol reports.
  virtual void Fail(NetStage stage, const boost::system::error_code& error) = 0;

  // Ends the exchange: its pending completions become stale, and a broken connection closes.
  // Call it before the exchange's callback, which may start the next exchange.
  void EndExchange();
  // The exchange succeeded: the next one on this connection is a reuse.
  void ExchangeSucceeded();
  // The connection must not carry another exchange.
  void MarkBroken() { broken_ = true; }

  // `handler` as a completion handler of this exchange: it holds the connection alive, and does
  // nothing once the exchange has ended (EndExchange).
  template <class Handler>
  auto Current(Handler handler) {
    // Constrained, so that Asio's checks of a handler's signature see the handler's own.
    return [ self = shared_from_this(), generation = generation_, handler = std::move(handler) ](
        auto&&... args) mutable requires std::is_invocable_v<Handler&, decltype(args)...> {
      if (generation != self->generation_) return;
      handler(std::forward<decltype(args)>(args)...);
    };
  }

  SinkStream& stream() { return stream_; }
  Clock::time_point deadline() const { return deadline_; }
  NetStage stage() const { return stage_; }
  void set_stage(NetStage stage) { stage_ = stage; }
  // The exchange in flight is not the first on this connection.
  bool reused() const { return reused_; }

 private:
  void OnResolved(const boost::system::error_code& error,
                  const boost::asio::ip::tcp::resolver::results_type& endpoints);
  void OnResolveTimer(const boost::system::error_code& error);
  void OnConnected(const boost::system::error_code& error);
  void OnTlsHandshake(const boost::system::error_code& error);
  void CloseSocket();

  std::string host_;
  std::string port_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer resolve_timer_;
  SinkStream stream_;

  std::uint64_t generation_ = 0;  // of the exchange in flight; EndExchange() moves it on
  NetStage stage_ = NetStage::kResolve;
  bool resolving_ = false;  // the resolver (and its timer) are running
  bool reused_ = false;
  bool open_ = false;
  bool broken_ = false;
  int exchanges_ = 0;  // succeeded on this connection: a later one is a reuse
  Clock::time_point deadline_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_TCP_CONNECTION_H_
