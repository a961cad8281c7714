// The one place where the HTTP sink decides what became of a request (DESIGN.md §4):
//
//   2xx                                      applied
//   408, 409, 429, 5xx other than 503        retry (counted), honouring Retry-After
//   503                                      unavailable (not counted), honouring Retry-After
//   401, 403                                 fatal: the credentials are wrong, and dead-lettering
//                                            every event until someone notices would be worse
//   3xx                                      bad record: redirects are not followed
//   other 4xx                                bad record, with the status and a body snippet
//   no response at all                       as the HTTP client classifies it
//                                            (sinks/net/http_exchange.h): refused, reset, EOF,
//                                            DNS failure, connect timeout, Close() → unavailable;
//                                            timeout while sending or waiting → retry
//
// Pure: no I/O; `now` is passed in so HTTP-date Retry-After values are testable.
#ifndef FANOUT_SINKS_HTTP_ERRORS_H_
#define FANOUT_SINKS_HTTP_ERRORS_H_

#include <chrono>

#include "sinks/net/http_exchange.h"
#include "sinks/sink.h"

namespace fanout {

// The outcome of `result` for the actions it carried.
ActionResult ClassifyExchange(const HttpExchangeResult& result,
                              std::chrono::system_clock::time_point now);

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_ERRORS_H_
