// The one place where the ClickHouse sink decides what became of its requests (DESIGN.md §4).
// ClickHouse answers an error with an HTTP status (500 for most errors before 19.x; 4xx/5xx by
// kind since) and a body "Code: <n>, e.displayText() = DB::Exception: <text>" (18.x) or
// "Code: <n>. DB::Exception: <text>. (<NAME>) (version ...)" (current); the code decides.
//
// One INSERT (the rows of one table in a batch):
//   a transport failure                     as the HTTP client classifies it: refused, reset,
//                                           DNS, connect timeout → unavailable; timeout while
//                                           sending or waiting → retry; Close() → unavailable
//   2xx                                     applied
//   a code of a row the table cannot take:  bad record; more than one row: split the rows in
//     6 CANNOT_PARSE_TEXT, 16               halves and insert each, down to the single row at
//     NO_SUCH_COLUMN_IN_TABLE, 26           fault, so the good rows of the batch are inserted
//     CANNOT_PARSE_QUOTED_STRING, 27
//     CANNOT_PARSE_INPUT_ASSERTION_FAILED,
//     32 ATTEMPT_TO_READ_AFTER_EOF, 33
//     CANNOT_READ_ALL_DATA, 38
//     CANNOT_PARSE_DATE, 41
//     CANNOT_PARSE_DATETIME, 53
//     TYPE_MISMATCH, 69
//     ARGUMENT_OUT_OF_BOUND, 70
//     CANNOT_CONVERT_TYPE, 72
//     CANNOT_PARSE_NUMBER, 117
//     INCORRECT_DATA, 131
//     TOO_LARGE_STRING_SIZE, 321
//     VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE,
//     349 CANNOT_INSERT_NULL_IN_ORDINARY_
//     COLUMN, 407 DECIMAL_OVERFLOW; or 413
//   192 UNKNOWN_USER, 193 WRONG_PASSWORD,
//   194 REQUIRED_PASSWORD, 195
//   IP_ADDRESS_NOT_ALLOWED, 516
//   AUTHENTICATION_FAILED, or 401           fatal: the credentials are refused
//   164 READONLY, 497 ACCESS_DENIED, 403    refused: the user may not insert into this table
//                                           (the delivery core probes the sink: the table may
//                                           be the record's)
//   60 UNKNOWN_TABLE, 81 UNKNOWN_DATABASE   unavailable: the table is to be created (fanout
//                                           init-sink); nothing is dead-lettered meanwhile
//   242 TABLE_IS_READ_ONLY, 503             unavailable
//   159 TIMEOUT_EXCEEDED, 202
//   TOO_MANY_SIMULTANEOUS_QUERIES, 209
//   SOCKET_TIMEOUT, 210 NETWORK_ERROR, 241
//   MEMORY_LIMIT_EXCEEDED, 252
//   TOO_MANY_PARTS, 408, 429, other 5xx,
//   anything else                           retry (counted), honouring Retry-After
//
// Messages name the code and ClickHouse's reason without the row data it quotes ("before:
// <the rest of the input>"), cut at kMaxClickHouseReasonBytes. Pure: no I/O.
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
