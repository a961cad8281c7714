// The one place where the ClickHouse sink decides what became of its requests, per INSERT (the
// rows of one table in a batch) and for Start's `SELECT version()`
// (docs/ARCHITECTURE.md#failure-handling). The answers and their outcomes are tabled in README.md
// here, "Outcomes"; tests/unit/sinks/clickhouse/errors_test.cc holds this file to that table.
//
// ClickHouse answers an error with an HTTP status (500 for most errors in 18.x, 4xx/5xx by kind
// since) and a body "Code: <n>, e.displayText() = DB::Exception: <text>" (18.x) or
// "Code: <n>. DB::Exception: <text>. (<NAME>) (version ...)" (current): the code decides. A row
// the table cannot take (a parse error, a wrong type, an unknown column) splits an INSERT of
// several rows in halves, and is a bad record alone. Messages name the code and ClickHouse's
// reason without the row data it quotes ("before: <the rest of the input>"), cut at
// kMaxClickHouseReasonBytes. Pure: no I/O.
#ifndef FANOUT_SINKS_CLICKHOUSE_ERRORS_H_
#define FANOUT_SINKS_CLICKHOUSE_ERRORS_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "processor/core/status.h"
#include "sinks/net/http_exchange.h"
#include "sinks/sink.h"

namespace fanout {

inline constexpr std::size_t kMaxClickHouseReasonBytes = 300;

// The exception code of a ClickHouse error body ("Code: 27, ..." or "Code: 27. ..."); -1 when
// the body has none.
int ClickHouseErrorCode(std::string_view body);

// "ClickHouse code <n>: <reason>" for an error body, without the input ClickHouse quotes.
std::string ClickHouseErrorText(unsigned status, std::string_view body);

// What to do with the rows of one INSERT exchange.
struct InsertOutcome {
  bool split = false;   // insert each half of the rows on its own
  ActionResult result;  // every row's outcome, unless split
};

// Classifies the exchange of an INSERT of `rows` rows. `now` is for Retry-After dates.
InsertOutcome ClassifyInsert(const HttpExchangeResult& exchange, std::size_t rows,
                             std::chrono::system_clock::time_point now);

// Sink::Start's answer for `SELECT version()`: OK with `*version` for a 2xx; FailedPrecondition
// for refused credentials or an endpoint that is not ClickHouse's HTTP interface; Unavailable
// when the server cannot be reached or is overloaded.
Status ClassifyClickHouseStart(const HttpExchangeResult& exchange, std::string* version);

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_ERRORS_H_
