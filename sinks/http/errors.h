// The one place where the HTTP sink decides what became of a request: each status and each
// transport failure becomes one ActionOutcome (docs/ARCHITECTURE.md#failure-handling). The
// answers and their outcomes are tabled in README.md here, "Outcomes"; tests/unit/sinks/http/
// errors_test.cc holds this file to that table.
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
