#include "sinks/http/connection_pool.h"

#include <boost/asio/error.hpp>
#include <utility>

namespace fanout {
namespace {

HttpExchangeResult Aborted() {
  HttpExchangeResult result;
  result.stage = HttpStage::kConnect;
  result.error = boost::asio::error::operation_aborted;
  return result;
}

}  // namespace

HttpConnectionPool::HttpConnectionPool(HttpStrand strand, std::string host, std::string port,
                                       std::size_t size, std::shared_ptr<const TlsContext> tls)
    : strand_(strand),
      host_(std::move(host)),
      port_(std::move(port)),
      tls_(std::move(tls)),
      connections_(size),
      busy_(size, false) {}

std::size_t HttpConnectionPool::PickSlot() const {
  std::size_t fallback = busy_.size();
  for (std::size_t i = 0; i < busy_.size(); ++i) {
    if (busy_[i]) continue;
    const std::shared_ptr<HttpConnection>& connection = connections_[i];
    if (connection && connection->usable() && connection->open()) return i;
    if (fallback == busy_.size()) fallback = i;
  }
  return fallback;
}

void HttpConnectionPool::Submit(std::shared_ptr<const HttpRequest> request,
                                std::chrono::milliseconds timeout, Callback done) {
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

void HttpConnectionPool::Connect(std::chrono::milliseconds timeout, Callback done) {
  if (aborted_) return done(Aborted());
  const std::size_t slot = PickSlot();
  if (slot == busy_.size() ||
      (connections_[slot] && connections_[slot]->usable() && connections_[slot]->open())) {
    // An open idle connection, or every connection busy: the server is being reached already.
    return done(HttpExchangeResult{});
  }
  Run(slot, Pending{nullptr, timeout, std::move(done)}, Clock::now() + timeout, false);
}

void HttpConnectionPool::Run(std::size_t slot, Pending pending, Clock::time_point deadline,
                             bool second_try) {
  busy_[slot] = true;
  if (!connections_[slot] || !connections_[slot]->usable()) {
    connections_[slot] = std::make_shared<HttpConnection>(strand_, host_, port_, tls_);
  }
  // A local reference: a completion may replace the slot's connection while it is in a call.
  std::shared_ptr<HttpConnection> connection = connections_[slot];
  std::shared_ptr<const HttpRequest> request = pending.request;
  auto on_done = [this, slot, deadline, second_try,
                  pending = std::move(pending)](HttpExchangeResult result) mutable {
    if (!second_try && !aborted_ && pending.request && IsStaleConnectionFailure(result)) {
      Run(slot, std::move(pending), deadline, true);  // the slot's connection is broken: new one
      return;
    }
    Callback done = std::move(pending.done);
    done(std::move(result));
    Release(slot);
  };
  if (request) {
    connection->Send(std::move(request), deadline, std::move(on_done));
  } else {
    connection->Open(deadline, std::move(on_done));
  }
}

void HttpConnectionPool::Release(std::size_t slot) {
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

void HttpConnectionPool::Abort() {
  aborted_ = true;
  // Aborting completes callbacks, which release slots; work on a copy of the list.
  std::vector<std::shared_ptr<HttpConnection>> connections = connections_;
  for (const std::shared_ptr<HttpConnection>& connection : connections) {
    if (connection) connection->Abort();
  }
  std::deque<Pending> waiting = std::move(waiting_);
  waiting_.clear();
  for (Pending& pending : waiting) pending.done(Aborted());
}

}  // namespace fanout
