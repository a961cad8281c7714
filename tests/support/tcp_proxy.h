// TcpProxy: a loopback TCP forwarder for outage tests that must not stop a shared server. A sink
// is pointed at the proxy's port; Cut() makes the server look down (the listener is closed, so
// new connections are refused, and every open connection is reset), Restore() brings it back on
// the same port. The real server (the stack's Redis, OpenSearch, ...) is never touched, so other
// tests and benchmarks using it see nothing.
//
// Thread-safety: every method may be called from any thread; the forwarding runs on the proxy's
// own thread.
#ifndef FANOUT_TESTS_SUPPORT_TCP_PROXY_H_
#define FANOUT_TESTS_SUPPORT_TCP_PROXY_H_

#include <cstdint>
#include <memory>
#include <string>

namespace fanout::testing {

class TcpProxy {
 public:
  // Listens at once on 127.0.0.1 (ephemeral port) and forwards to upstream_host:upstream_port.
  TcpProxy(std::string upstream_host, std::uint16_t upstream_port);
  ~TcpProxy();  // closes everything and joins the thread
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const;
  // "127.0.0.1:<port>".
  std::string address() const;

  // Refuses new connections and resets the open ones; returns once done.
  void Cut();
  // Listens again on the same port; false when the port could not be bound again.
  bool Restore();

  // Connections accepted so far (to check that a test went through the proxy at all).
  std::size_t connections_accepted() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_TCP_PROXY_H_
