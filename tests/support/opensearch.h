// Test support for the stack's real OpenSearch (FANOUT_OPENSEARCH_URL): a plain synchronous HTTP
// client to prepare and inspect indexes, and the server itself stopped and started again for
// outage tests.
#ifndef FANOUT_TESTS_SUPPORT_OPENSEARCH_H_
#define FANOUT_TESTS_SUPPORT_OPENSEARCH_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/http_call.h"

namespace fanout::testing {

// Thread-compatible (one per thread).
class OpenSearchClient {
 public:
  // FANOUT_OPENSEARCH_URL (fails the calling test when it is not set).
  OpenSearchClient();

  HttpReply Call(const std::string& method, const std::string& target,
                 const std::string& body = "");

  // The document's _source (compact JSON); nullopt when there is none (404). Fails the calling
  // test on any other answer, or when the server cannot be reached.
  std::optional<std::string> Source(const std::string& index, const std::string& id);
  // "green", "yellow", "red", or "" when the server does not answer.
  std::string Health();
  // Makes what was written visible to searches (_refresh).
  bool Refresh(const std::string& index);

  std::string host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  std::string host_;
  std::uint16_t port_ = 0;
  std::string base_path_;
};

// The stack's OpenSearch stopped (`stack/stack.sh down opensearch`: only that server) and started
// again (`stack/stack.sh up opensearch`, which waits for yellow health). Its data directory
// survives, so the indexes come back with their documents. Restarting takes tens of seconds (a
// JVM): keep outages to the tests that need them. The destructor brings the server back if a
// test left it stopped.
class OpenSearchServer {
 public:
  OpenSearchServer() = default;
  ~OpenSearchServer();
  OpenSearchServer(const OpenSearchServer&) = delete;
  OpenSearchServer& operator=(const OpenSearchServer&) = delete;

  // Returns once the server no longer answers.
  bool Stop();
  // Returns once the cluster's health is yellow or green again (bounded by `timeout`).
  bool Start(std::chrono::seconds timeout = std::chrono::seconds(180));

 private:
  bool stopped_ = false;
  OpenSearchClient client_;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_OPENSEARCH_H_
