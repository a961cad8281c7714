// The one place where the PostgreSQL sink turns what libpq and the server say into action
// outcomes (processor/sink/sink.h), by SQLSTATE class:
//
//   23xxx integrity (NOT NULL, unique, FK, check), 22xxx data (bad input syntax, out of range),
//   42xxx rules (undefined column or table, datatype mismatch), 0A000 not supported
//                                                             → bad record (this action only)
//   40001 serialization, 40P01 deadlock, 55P03 lock timeout, 57014 statement timeout,
//   53xxx resources, 26000 lost prepared statement, 25xxx, XX/other → retry (counted)
//   08xxx connection, 57P01..57P05 shutting down / cannot connect now, 53300 too many
//   connections                                                → unavailable (not counted)
//   28xxx authentication, 3D000 no such database, 42501 no privilege,
//   3F000 no such schema for the offsets table                → fatal
//
// A connection that cannot be made or breaks mid-transaction has no SQLSTATE: unavailable,
// except libpq's own authentication / unknown-database errors, which are fatal.
//
// Messages carry the SQLSTATE and the server's primary message ("SQLSTATE 23502: null value in
// column \"email\" ..."), never DETAIL (which quotes row values) nor the connection string.
#ifndef FANOUT_SINKS_POSTGRES_ERRORS_H_
#define FANOUT_SINKS_POSTGRES_ERRORS_H_

#include <span>
#include <string_view>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// The outcome of a statement that failed with `sqlstate` (5 characters) and `message`.
ActionResult ClassifySqlState(std::string_view sqlstate, std::string_view message);

// The server's primary message without the row values it quotes (`invalid input syntax for type
// integer: "abc"`, `value "999" is out of range`): each double-quoted span is kept only when it
// is a name -- quoted as such in `sql` (fanout quotes every identifier it writes, and sends
// values as parameters, never in the text) or one of `names` (the error's own table, column,
// constraint, schema and type fields) -- and becomes "…" otherwise. Row values reach logs at
// debug level only, and the dead letter's own key and value.
std::string WithoutRowValues(std::string_view message, std::string_view sql,
                             std::span<const std::string> names);

// Whether `sqlstate` fails one action only (the rest of its batch can commit without it).
bool IsBadRecordSqlState(std::string_view sqlstate);

// The outcome of a connection that could not be made or was lost; `message` is libpq's.
ActionResult ClassifyConnectionFailure(std::string_view message);

// The Status Sink::Start returns for an outcome (Unavailable for retry/unavailable, else
// FailedPrecondition / InvalidArgument).
Status PostgresStartStatus(const ActionResult& result);

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_ERRORS_H_
