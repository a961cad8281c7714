// What an HTTP client's exchange (sinks/net/http_client.h) reports, and what every user of the
// client reads the same way: a transport failure as an outcome, Retry-After, a body snippet for a
// message. What a *status* means is each sink's own (sinks/http/errors.h,
// sinks/elasticsearch/errors.h).
//
//   refused, reset, EOF, DNS failure,
//   connect or TLS timeout                   unavailable: the server cannot be reached
//   TLS certificate or host name refused     fatal
//   timeout while sending or waiting         retry
//   a response that cannot be parsed         retry
//   cancelled by Close()                     unavailable
//
// Pure: no I/O; `now` is passed in so HTTP-date Retry-After values are testable.
#ifndef FANOUT_SINKS_NET_HTTP_EXCHANGE_H_
#define FANOUT_SINKS_NET_HTTP_EXCHANGE_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "sinks/net/transport_errors.h"
#include "sinks/sink.h"

namespace fanout {

// The facts of one request/response exchange, as the connection saw them.
struct HttpExchangeResult : TransportResult {
  unsigned status = 0;      // when stage is kDone
  std::string retry_after;  // the Retry-After header, when there was one
  std::string body;         // the response body (bounded by the reader)
};

// NetStageName, with kRead called "response".
std::string_view HttpStageName(NetStage stage);

// The outcome of an exchange that got no response (`result.error` set): the table above.
ActionResult ClassifyHttpTransport(const HttpExchangeResult& result);

// Longest wait a Retry-After may impose: beyond it a server is asking for more than a backoff.
inline constexpr std::chrono::minutes kMaxRetryAfter{5};
// Longest response-body snippet quoted in an outcome message.
inline constexpr std::size_t kMaxBodySnippet = 200;

// A Retry-After value (delta-seconds or HTTP-date, RFC 9110 §10.2.3) as a wait from `now`,
// capped at kMaxRetryAfter. Zero for a date in the past, and for a value that is neither form
// (the route's own backoff then applies).
std::chrono::milliseconds ParseRetryAfter(std::string_view value,
                                          std::chrono::system_clock::time_point now);

// `text` on one line for a message: control characters and runs of whitespace become one space,
// invalid UTF-8 becomes '?', and when longer than `limit` bytes it is cut (never inside a UTF-8
// character) to end in "...". REQUIRES: limit >= 3.
std::string OneLine(std::string_view text, std::size_t limit);

// OneLine(body, kMaxBodySnippet): a response body quoted in a message.
std::string BodySnippet(std::string_view body);

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_HTTP_EXCHANGE_H_
