// Plain synchronous HTTP/1.1 calls for integration tests: OpenSearch, fanout's admin endpoint
// (/readyz), and how a test finds that endpoint and how long its outages last.
#ifndef FANOUT_TESTS_SUPPORT_HTTP_CALL_H_
#define FANOUT_TESTS_SUPPORT_HTTP_CALL_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace fanout::testing {

struct HttpReply {
  unsigned status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;
};

// One request on a connection of its own (30 s bound); never throws.
HttpReply HttpCall(const std::string& host, std::uint16_t port, const std::string& method,
                   const std::string& target, const std::string& body = "");

// The port of fanout's admin endpoint from its log ("admin endpoint: http://127.0.0.1:<port>/..."
// when the config says `admin: { listen: "127.0.0.1:0" }`); 0 until it is logged.
std::uint16_t AdminPortFromLog(const std::string& log);

// How long outage tests keep a server down: 30 s (issue 6), or FANOUT_TEST_OUTAGE_SECONDS when
// set (shorter for a quick local run).
std::chrono::seconds OutageDuration();

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_HTTP_CALL_H_
