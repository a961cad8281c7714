// The one place where the Redis sink decides what became of a command: each reply and each
// transport failure becomes one ActionOutcome (docs/ARCHITECTURE.md#failure-handling). The
// replies and their outcomes are tabled in README.md here, "Outcomes"; tests/unit/sinks/redis/
// errors_test.cc holds this file to that table.
//
// An action with several commands gets the worst of their outcomes (KeepWorse): a command that
// can never succeed makes the whole action a bad record, dead-lettered whole and replayed whole.
//
// Pure: no I/O.
#ifndef FANOUT_SINKS_REDIS_ERRORS_H_
#define FANOUT_SINKS_REDIS_ERRORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"
#include "sinks/net/transport_errors.h"
#include "sinks/redis/action.h"
#include "sinks/redis/resp.h"
#include "sinks/sink.h"

namespace fanout {

// NetStageName, with kRead called "reply".
std::string_view RedisStageName(NetStage stage);

// The facts of one exchange (a pipeline of commands, or only opening a connection), as the
// connection saw them. Stage kHandshake: AUTH, SELECT and SCRIPT LOAD, which every new
// connection sends first.
struct RedisExchangeResult : TransportResult {
  // Set when the server refused the handshake (its error reply), or answered with bytes that
  // are not the RESP expected (then `protocol_error` is true).
  std::string server_error;
  bool protocol_error = false;
  std::vector<RespReply> replies;  // the commands' replies read, in order: all when kDone
};

// Longest server message quoted in an outcome.
inline constexpr std::size_t kMaxServerMessage = 200;

// The outcome of a reply to a command of `kind`. A NOSCRIPT reply is the caller's to handle
// first (EVAL fallback); seen here it counts as a retry.
ActionResult ClassifyReply(RedisCommandKind kind, const RespReply& reply);

// The outcome of an error reply to a command ("WRONGTYPE Operation against ...").
ActionResult ClassifyErrorReply(std::string_view error);

// The outcome of an error reply to the handshake (AUTH, SELECT, SCRIPT LOAD).
ActionResult ClassifyHandshakeError(std::string_view error);

// The outcome for the commands an exchange did not answer.
ActionResult ClassifyExchangeFailure(const RedisExchangeResult& result);

// Whether an error reply says that this connection talks to a server that cannot take writes
// (loading, a read-only replica after a failover, ...): the connection is replaced, so the next
// attempt resolves and connects afresh.
bool ErrorReplyNeedsReconnect(std::string_view error);

// Whether `reply` is NOSCRIPT: the server does not have the guard script (any more).
bool IsNoScript(const RespReply& reply);

// Sink::Start's answer for the outcome of opening a connection: OK when applied, FailedPrecondition
// for a fatal outcome (credentials, database, a server without scripting), else Unavailable.
Status StartStatus(const ActionResult& result);

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_ERRORS_H_
