// The one place where the HTTP sink decides what became of a request: each status and each
// transport failure becomes one ActionOutcome (docs/ARCHITECTURE.md#failure-handling). The
// answers and their outcomes are tabled in README.md here, "Outcomes"; tests/unit/sinks/http/
// errors_test.cc holds this file to that table.
//
// Pure: no I/O; `now` is passed in so HTTP-date Retry-After values are testable.
#ifndef FANOUT_SINKS_HTTP_ERRORS_H_
#define FANOUT_SINKS_HTTP_ERRORS_H_

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sinks/sink.h"

namespace fanout {

// Where an exchange stopped.
enum class HttpStage : std::uint8_t { kResolve, kConnect, kTlsHandshake, kWrite, kRead, kDone };

std::string_view HttpStageName(HttpStage stage);

// The facts of one request/response exchange, as the connection saw them.
struct HttpExchangeResult {
  HttpStage stage = HttpStage::kDone;
  boost::system::error_code error;  // set unless a response was read (stage kDone)
  bool got_response_bytes = false;  // some of a response arrived before `error`
  bool reused_connection = false;   // the connection had carried an earlier exchange
  unsigned status = 0;              // when stage is kDone
  std::string retry_after;          // the Retry-After header, when there was one
  std::string body;                 // the response body (bounded by the reader)
};

// Longest wait a Retry-After may impose: beyond it a server is asking for more than a backoff.
inline constexpr std::chrono::minutes kMaxRetryAfter{5};
// Longest response-body snippet quoted in an outcome message.
inline constexpr std::size_t kMaxBodySnippet = 200;

// The outcome of `result` for the actions it carried.
ActionResult ClassifyExchange(const HttpExchangeResult& result,
                              std::chrono::system_clock::time_point now);

// A Retry-After value (delta-seconds or HTTP-date, RFC 9110 §10.2.3) as a wait from `now`,
// capped at kMaxRetryAfter. Zero for a date in the past, and for a value that is neither form
// (the route's own backoff then applies).
std::chrono::milliseconds ParseRetryAfter(std::string_view value,
                                          std::chrono::system_clock::time_point now);

// At most kMaxBodySnippet bytes of a response body for a message: control characters become
// spaces, runs of whitespace collapse, and a multi-byte UTF-8 character is never cut in two.
std::string BodySnippet(std::string_view body);

// Whether `result` is the classic failure of a kept-alive connection the server had already
// closed: writing to it failed, or it ended before any byte of a response. Such a request is
// sent once more on a new connection (the Idempotency-Key makes a repeat harmless).
bool IsStaleConnectionFailure(const HttpExchangeResult& result);

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_ERRORS_H_
