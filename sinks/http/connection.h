// HttpConnection: one TCP connection of the HTTP sink's pool, carrying one request/response
// exchange at a time over HTTP/1.1 keep-alive.
//
// A connection is opened lazily (resolve, connect, TLS handshake for https) by its first exchange
// and lives until an exchange fails, the server answers `Connection: close`, or Abort(); after that
// it is never used again (usable() is false) and the pool puts a new one in its place. Not reusing
// a failed object keeps stale completions of the old socket away from a new exchange.
//
// Every exchange is bounded by its deadline (a timer for the resolver, the tcp_stream's own
// expiry for connect, write and read) and completes exactly once: with the response, with the
// error that ended it, or with operation_aborted from Abort(). Completions of superseded
// operations are told apart by a generation number and ignored.
//
// Thread-safety: none. Every call and every handler runs on the pool's strand; handlers hold a
// shared_ptr to the connection, so it outlives whatever the socket still has pending.
#ifndef FANOUT_SINKS_HTTP_CONNECTION_H_
#define FANOUT_SINKS_HTTP_CONNECTION_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sinks/http/errors.h"
#include "sinks/net/sink_stream.h"

namespace fanout {

using HttpStrand = boost::asio::strand<boost::asio::io_context::executor_type>;
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Largest response body read: enough for any error message; a larger one is cut off (the
// status still counts) and its connection closed.
inline constexpr std::uint64_t kMaxResponseBody = 1024 * 1024;

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(HttpExchangeResult)>;

  // Plain TCP when `tls` is null.
  HttpConnection(HttpStrand strand, std::string host, std::string port,
                 std::shared_ptr<const TlsContext> tls);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Opens the connection if it is not open yet; `done` gets stage kDone on success.
  // REQUIRES: idle() and usable().
  void Open(Clock::time_point deadline, Callback done);
  // Sends `request` (opening the connection first if needed) and reads the response.
  // REQUIRES: idle() and usable().
  void Send(std::shared_ptr<const HttpRequest> request, Clock::time_point deadline, Callback done);
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
  void OnHandshake(std::uint64_t generation, const boost::system::error_code& error);
  void Write();
  void OnWritten(std::uint64_t generation, const boost::system::error_code& error);
  void OnRead(std::uint64_t generation, const boost::system::error_code& error);
  void Fail(HttpStage stage, const boost::system::error_code& error);
  // Ends the exchange: state first, then the callback (which may start the next exchange).
  void Finish(HttpExchangeResult result);
  void CloseSocket();

  HttpStrand strand_;
  std::string host_;
  std::string port_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer resolve_timer_;
  SinkStream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;

  std::uint64_t generation_ = 0;
  HttpStage stage_ = HttpStage::kResolve;  // of the exchange in flight
  bool resolving_ = false;                 // the resolver (and its timer) are running
  bool reused_ = false;                    // the exchange in flight is not the first here
  bool got_response_bytes_ = false;
  bool open_ = false;
  bool broken_ = false;
  int exchanges_ = 0;  // completed on this connection: a later one is a reuse
  std::shared_ptr<const HttpRequest> request_;  // null for Open()
  Clock::time_point deadline_;
  Callback done_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_CONNECTION_H_
