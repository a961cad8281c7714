// AwaitOnStrand: how a network sink's Start(), called on the consume thread, waits for an
// exchange that must run on the sink's strand (opening a connection, GET /). The operation gets a
// `reply` function and calls it exactly once, on the strand, when the exchange is done; the
// exchange has its own deadline, so the wait here (`timeout` plus 5 s) only guards against a
// stalled I/O thread.
//
// Thread-safety: call from any thread but the strand's own (it blocks).
#ifndef FANOUT_SINKS_NET_AWAIT_ON_STRAND_H_
#define FANOUT_SINKS_NET_AWAIT_ON_STRAND_H_

#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <utility>

#include "processor/core/status.h"

namespace fanout {

// What `operation(reply)`, run on `strand`, passed to `reply`; Unavailable("no answer from the
// sink's I/O thread") when nothing came within `timeout` plus 5 s.
template <class T, class Strand, class Operation>
Result<T> AwaitOnStrand(const Strand& strand, std::chrono::milliseconds timeout,
                        Operation operation) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  boost::asio::post(strand, [promise, operation = std::move(operation)]() mutable {
    operation(std::function<void(T)>([promise](T value) { promise->set_value(std::move(value)); }));
  });
  if (future.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready) {
    return Unavailable("no answer from the sink's I/O thread");
  }
  return future.get();
}

// AwaitOnStrand of `pool->Connect(timeout)` (ConnectionPool, HttpClient): the Start of a sink
// for which one open connection is enough.
template <class Pool, class Strand>
Result<typename Pool::Exchange> AwaitConnect(const Strand& strand, std::shared_ptr<Pool> pool,
                                             std::chrono::milliseconds timeout) {
  using Exchange = typename Pool::Exchange;
  return AwaitOnStrand<Exchange>(
      strand, timeout, [pool = std::move(pool), timeout](std::function<void(Exchange)> reply) {
        pool->Connect(timeout, std::move(reply));
      });
}

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_AWAIT_ON_STRAND_H_
