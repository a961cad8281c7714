// HttpTestServer: an in-process HTTP/1.1 server on 127.0.0.1 (ephemeral port), on its own
// thread, for fault injection in the HTTP sink's unit tests.
//
// Each request received takes the next scripted response, or when the script is empty the
// responder's answer (if one is set), else the default response. A response can be delayed, can
// close the connection after it is sent, or can be replaced by dropping the connection without an
// answer. Every request is recorded (method, target, headers, body), and accepted connections are
// counted so tests can check keep-alive.
//
// Thread-safety: every method may be called from any thread.
#ifndef FANOUT_TESTS_SUPPORT_HTTP_TEST_SERVER_H_
#define FANOUT_TESTS_SUPPORT_HTTP_TEST_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanout::testing {

struct ScriptedResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Retry-After", "2"}
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering (or dropping)
  bool close_connection = false;       // answer with `Connection: close`, then close
  bool drop = false;                   // close the connection without any answer
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of the first header named `name` (case-insensitive), or "" when there is none.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

class HttpTestServer {
 public:
  // Listens at once; the port is known when the constructor returns.
  HttpTestServer();
  ~HttpTestServer();  // Stop()
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port><path>".
  std::string Url(std::string_view path = "") const;

  void Enqueue(ScriptedResponse response);
  void SetDefault(ScriptedResponse response);
  // Answers every request the script does not, instead of the default response; called on the
  // server's thread, without the server's lock held. An empty function removes it. Whatever it
  // captures must outlive the server, or be removed before it goes away.
  using Responder = std::function<ScriptedResponse(const ReceivedRequest& request)>;
  void SetResponder(Responder responder);

  std::vector<ReceivedRequest> requests() const;
  std::size_t connections_accepted() const;
  // Blocks until at least `count` requests arrived or `timeout` passed; whether they did.
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A local port nothing listens on (bound, then released), for "server down" tests.
std::uint16_t UnusedLocalPort();

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_HTTP_TEST_SERVER_H_
