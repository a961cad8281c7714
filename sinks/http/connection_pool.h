// HttpConnectionPool: at most `size` keep-alive connections to one server, and the requests
// waiting for one of them.
//
// A request goes to an idle connection that is already open (so consecutive requests reuse one
// connection), else to any idle slot, which opens a new connection; with every slot busy it
// waits, first come first served. A slot whose connection broke (an error, `Connection: close`)
// gets a new connection for its next request.
//
// A request that fails because its kept-alive connection had been closed by the server (see
// IsStaleConnectionFailure) is sent once more on a new connection, within the same deadline:
// that race is normal keep-alive behaviour, not an outage. Nothing else is retried here; the
// delivery core owns retries.
//
// Thread-safety: none. Every call runs on `strand`, and every callback is made there.
#ifndef FANOUT_SINKS_HTTP_CONNECTION_POOL_H_
#define FANOUT_SINKS_HTTP_CONNECTION_POOL_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sinks/http/connection.h"

namespace fanout {

class HttpConnectionPool {
 public:
  using Clock = HttpConnection::Clock;
  using Callback = HttpConnection::Callback;

  // Plain TCP connections when `tls` is null.
  HttpConnectionPool(HttpStrand strand, std::string host, std::string port, std::size_t size,
                     std::shared_ptr<const TlsContext> tls);
  HttpConnectionPool(const HttpConnectionPool&) = delete;
  HttpConnectionPool& operator=(const HttpConnectionPool&) = delete;

  // Sends `request`; `done` runs exactly once. The `timeout` starts when a connection takes the
  // request, so waiting for a free connection does not eat into it.
  void Submit(std::shared_ptr<const HttpRequest> request, std::chrono::milliseconds timeout,
              Callback done);
  // Makes sure one connection is open (for Sink::Start); `done` gets stage kDone on success.
  void Connect(std::chrono::milliseconds timeout, Callback done);
  // Completes every request in flight or waiting with operation_aborted, closes every
  // connection, and answers later calls the same way.
  void Abort();

 private:
  struct Pending {
    std::shared_ptr<const HttpRequest> request;  // null: only open a connection
    std::chrono::milliseconds timeout{0};
    Callback done;
  };

  // The idle slot to use next, or size() when every slot is busy.
  std::size_t PickSlot() const;
  void Run(std::size_t slot, Pending pending, Clock::time_point deadline, bool second_try);
  void Release(std::size_t slot);

  HttpStrand strand_;
  std::string host_;
  std::string port_;
  std::shared_ptr<const TlsContext> tls_;
  std::vector<std::shared_ptr<HttpConnection>> connections_;  // null until first used
  std::vector<bool> busy_;
  std::deque<Pending> waiting_;
  bool aborted_ = false;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_CONNECTION_POOL_H_
