// ConnectionPool: at most `size` connections to one server, and the requests waiting for one of
// them. The Redis sink sends its pipelines through one, the HTTP client its requests.
//
// A request goes to an idle connection that is already open (so consecutive requests reuse one
// connection), else to any idle slot, which opens a new connection; with every slot busy it
// waits, first come first served. A slot whose connection broke gets a new connection for its
// next request: that is how the sinks reconnect, on the next request after a failure, never in
// the background.
//
// A request that fails because its idle connection had been closed by the server or a proxy
// (IsStaleConnectionFailure, sinks/net/transport_errors.h) is sent once more on a new
// connection, within the same deadline: that is normal connection churn, not an outage. Every
// request the sinks send is idempotent or versioned. Nothing else is retried here; the delivery
// core owns retries.
//
// `Connection` (RedisConnection, HttpConnection) provides:
//   Request, Exchange (what one exchange reports, derived from TransportResult),
//   Callback = std::function<void(Exchange)>,
//   void Send(const Request&, Clock::time_point deadline, Callback);
//   void Open(Clock::time_point deadline, Callback);   // only open the connection
//   void Abort(); bool usable() const; bool open() const;
// and runs each callback exactly once.
//
// Thread-safety: none. Every call runs on the strand the connections run on, and every callback
// is made there.
#ifndef FANOUT_SINKS_NET_CONNECTION_POOL_H_
#define FANOUT_SINKS_NET_CONNECTION_POOL_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "sinks/net/transport_errors.h"

namespace fanout {

template <class Connection>
class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;
  using Request = typename Connection::Request;
  using Exchange = typename Connection::Exchange;
  using Callback = std::function<void(Exchange)>;
  // Makes the connection for a slot that has none, or whose connection broke.
  using Factory = std::function<std::shared_ptr<Connection>()>;

  ConnectionPool(std::size_t size, Factory make_connection)
      : make_connection_(std::move(make_connection)), connections_(size), busy_(size, false) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Sends `request`; `done` runs exactly once. The `timeout` starts when a connection takes the
  // request, so waiting for a free connection does not eat into it.
  void Submit(Request request, std::chrono::milliseconds timeout, Callback done) {
    if (aborted_) return done(Aborted());
    Pending pending{std::move(request), timeout, std::move(done)};
    const std::size_t slot = PickSlot();
    if (slot == busy_.size()) {
      waiting_.push_back(std::move(pending));
      return;
    }
    const Clock::time_point deadline = Clock::now() + pending.timeout;
    Run(slot, std::move(pending), deadline, false);
  }

  // Makes sure one connection is open (and its protocol handshake done), for Sink::Start; `done`
  // gets an Exchange with stage kDone and no error on success.
  void Connect(std::chrono::milliseconds timeout, Callback done) {
    if (aborted_) return done(Aborted());
    const std::size_t slot = PickSlot();
    if (slot == busy_.size() || IsOpen(slot)) {
      // An open idle connection, or every connection busy: the server is being reached already.
      return done(Exchange{});
    }
    Run(slot, Pending{std::nullopt, timeout, std::move(done)}, Clock::now() + timeout, false);
  }

  // Completes every request in flight or waiting with operation_aborted, closes every
  // connection, and answers later calls the same way.
  void Abort() {
    aborted_ = true;
    // Aborting completes callbacks, which release slots; work on a copy of the list.
    std::vector<std::shared_ptr<Connection>> connections = connections_;
    for (const std::shared_ptr<Connection>& connection : connections) {
      if (connection) connection->Abort();
    }
    std::deque<Pending> waiting = std::move(waiting_);
    waiting_.clear();
    for (Pending& pending : waiting) pending.done(Aborted());
  }

 private:
  struct Pending {
    std::optional<Request> request;  // none: only open a connection
    std::chrono::milliseconds timeout{0};
    Callback done;
  };

  static Exchange Aborted() {
    Exchange result;
    MarkAborted(&result);
    return result;
  }

  bool IsOpen(std::size_t slot) const {
    const std::shared_ptr<Connection>& connection = connections_[slot];
    return connection && connection->usable() && connection->open();
  }

  // The idle slot to use next, or size() when every slot is busy.
  std::size_t PickSlot() const {
    std::size_t fallback = busy_.size();
    for (std::size_t i = 0; i < busy_.size(); ++i) {
      if (busy_[i]) continue;
      if (IsOpen(i)) return i;
      if (fallback == busy_.size()) fallback = i;
    }
    return fallback;
  }

  void Run(std::size_t slot, Pending pending, Clock::time_point deadline, bool second_try) {
    busy_[slot] = true;
    if (!connections_[slot] || !connections_[slot]->usable()) {
      connections_[slot] = make_connection_();
    }
    // A local reference: a completion may replace the slot's connection while it is in a call.
    std::shared_ptr<Connection> connection = connections_[slot];
    const bool send = pending.request.has_value();
    std::optional<Request> request = pending.request;
    auto on_done = [this, slot, deadline, second_try,
                    pending = std::move(pending)](Exchange result) mutable {
      if (!second_try && !aborted_ && pending.request && IsStaleConnectionFailure(result)) {
        Run(slot, std::move(pending), deadline, true);  // the slot's connection is broken: new one
        return;
      }
      Callback done = std::move(pending.done);
      done(std::move(result));
      Release(slot);
    };
    if (send) {
      connection->Send(*request, deadline, std::move(on_done));
    } else {
      connection->Open(deadline, std::move(on_done));
    }
  }

  void Release(std::size_t slot) {
    busy_[slot] = false;
    if (aborted_) {
      while (!waiting_.empty()) {
        Pending pending = std::move(waiting_.front());
        waiting_.pop_front();
        pending.done(Aborted());
      }
      return;
    }
    if (waiting_.empty()) return;
    Pending pending = std::move(waiting_.front());
    waiting_.pop_front();
    const Clock::time_point deadline = Clock::now() + pending.timeout;
    Run(slot, std::move(pending), deadline, false);
  }

  Factory make_connection_;
  std::vector<std::shared_ptr<Connection>> connections_;  // null until first used
  std::vector<bool> busy_;
  std::deque<Pending> waiting_;
  bool aborted_ = false;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_CONNECTION_POOL_H_
