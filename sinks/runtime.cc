#include "sinks/runtime.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace fanout {

SinkRuntime::SinkRuntime(int threads) : guard_(boost::asio::make_work_guard(context_)) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      // Handlers report errors through callbacks; an exception escaping one is a bug, and
      // ending the thread quietly would hang every sink, so it ends the process loudly.
      try {
        context_.run();
      } catch (const std::exception& e) {
        spdlog::critical("sink I/O thread: unexpected exception: {}", e.what());
        std::terminate();
      }
    });
  }
}

SinkRuntime::~SinkRuntime() { Stop(); }

void SinkRuntime::Stop() {
  guard_.reset();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace fanout
