// SinkRuntime: the Boost.Asio I/O threads every network sink runs on
// (docs/ARCHITECTURE.md#threads-and-bounds). librdkafka never runs here and sinks never run on the
// consume thread: a sink's Write() only posts work to this context, and its callbacks run on these
// threads.
//
// Thread-safety: context() may be used from any thread. Stop() joins the threads; call it after
// every sink is closed.
#ifndef FANOUT_SINKS_RUNTIME_H_
#define FANOUT_SINKS_RUNTIME_H_

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace fanout {

class SinkRuntime {
 public:
  // Starts `threads` I/O threads (at least one).
  explicit SinkRuntime(int threads = 1);
  ~SinkRuntime();
  SinkRuntime(const SinkRuntime&) = delete;
  SinkRuntime& operator=(const SinkRuntime&) = delete;

  boost::asio::io_context& context() { return context_; }

  // Lets the threads finish the queued handlers, then joins them. Idempotent.
  void Stop();

 private:
  boost::asio::io_context context_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_RUNTIME_H_
