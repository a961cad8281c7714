// AdminServer: fanout's HTTP admin endpoint, on its own thread (never the consume loop's nor
// the sinks' I/O threads, so a stuck pipeline still answers):
//
//   GET /metrics  Prometheus text format 0.0.4 of the registry
//   GET /healthz  200 while the process is alive and the consume loop turns, else 503
//   GET /readyz   200 when ready, else 503; the JSON body says why (observability/health.h)
//
// Anything else is 404 (405 for another method). Bodies never contain payloads or secrets.
//
// Hostile or broken clients cannot hold it (issue 16): a connection must deliver each whole
// request within `request_timeout` (idle keep-alive time included) and take each answer within
// `write_timeout`, else it is closed; at most `max_connections` are open at once, and a new one
// beyond that closes the connection that has waited longest for its request, so a probe is
// answered beside any number of half-sent requests; failing accepts (EMFILE, ENFILE, ...) are
// retried after a growing pause (10 ms to 1 s) instead of in a busy loop.
// Thread-safety: Start/Stop from one thread; the registry and health state are read from the
// server's thread (both are thread-safe).
#ifndef FANOUT_OBSERVABILITY_ADMIN_SERVER_H_
#define FANOUT_OBSERVABILITY_ADMIN_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "observability/health.h"
#include "observability/metrics.h"
#include "processor/core/status.h"

namespace fanout {

struct AdminServerOptions {
  std::string listen = "127.0.0.1:9464";  // host:port, [v6]:port; port 0 picks a free one
  // How long the consume loop may go without turning before /healthz fails.
  std::chrono::milliseconds stall_limit{60000};
  // Limits on clients, see above. Not configurable: the values suit every probe and scraper;
  // tests shorten them.
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::size_t max_connections = 64;
};

class AdminServer {
 public:
  // Binds and starts serving. `registry` and `health` must outlive the server.
  // Errors: InvalidArgument for a malformed address, Unavailable when it cannot be bound.
  static Result<std::unique_ptr<AdminServer>> Start(const AdminServerOptions& options,
                                                    const MetricsRegistry* registry,
                                                    const HealthState* health);
  ~AdminServer();  // Stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound address, "host:port".
  std::string address() const;
  std::uint16_t port() const;

  // Closes the listener and connections and joins the thread. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "host:port" → host and port. InvalidArgument when malformed.
Status ParseListenAddress(std::string_view listen, std::string* host, std::uint16_t* port);

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_ADMIN_SERVER_H_
