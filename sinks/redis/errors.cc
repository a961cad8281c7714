#include "sinks/redis/errors.h"

#include <initializer_list>

namespace fanout {
namespace {

// The error code: the reply's first word ("WRONGTYPE", "ERR", ...).
std::string_view Code(std::string_view error) { return error.substr(0, error.find(' ')); }

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The server's message, bounded: it reaches logs and dead-letter headers. Redis never quotes
// values or passwords in its error replies; keys only in a few (none this sink sends).
std::string Quote(std::string_view error) {
  if (error.size() <= kMaxServerMessage) return std::string(error);
  return std::string(error.substr(0, kMaxServerMessage)) + "...";
}

bool IsCode(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (code == c) return true;
  }
  return false;
}

bool IsNotServing(std::string_view error) {
  return IsCode(Code(error), {"LOADING", "MASTERDOWN", "READONLY", "MISCONF"}) ||
         StartsWith(error, "ERR max number of clients reached");
}

}  // namespace

std::string_view RedisStageName(NetStage stage) {
  return stage == NetStage::kRead ? "reply" : NetStageName(stage);
}

ActionResult ClassifyErrorReply(std::string_view error) {
  const std::string_view code = Code(error);
  const std::string message = "redis: " + Quote(error);
  if (IsNotServing(error)) return ActionResult::Unavailable(message);
  if (IsCode(code, {"BUSY", "TRYAGAIN", "CLUSTERDOWN", "OOM", "NOSCRIPT"})) {
    return ActionResult::Retry(message);
  }
  // A command refused: NOPERM may be this record's key alone (an ACL key pattern), so the
  // delivery core probes the connection before it decides (ActionOutcome::kRefused). The
  // handshake's own refusals (ClassifyHandshakeError) are the sink's, and fatal.
  if (IsCode(code, {"NOAUTH", "WRONGPASS", "NOPERM"})) {
    return ActionResult::Refused(message + " (check the sink's username, password and ACL)");
  }
  if (IsCode(code, {"MOVED", "ASK", "CROSSSLOT"})) {
    return ActionResult::Fatal(message + " (Redis Cluster is not supported)");
  }
  if (StartsWith(error, "ERR unknown command") || StartsWith(error, "ERR unknown subcommand")) {
    return ActionResult::Fatal(message + " (the server lacks a command the sink needs)");
  }
  return ActionResult::BadRecord(message);
}

ActionResult ClassifyHandshakeError(std::string_view error) {
  const std::string message = "redis handshake: " + Quote(error);
  // A server still starting or overloaded is not a misconfiguration: try again later.
  if (IsNotServing(error) || IsCode(Code(error), {"BUSY", "TRYAGAIN"})) {
    return ActionResult::Unavailable(message);
  }
  // Bad credentials, a database out of range, no scripting: nothing a retry would fix.
  return ActionResult::Fatal(message);
}

ActionResult ClassifyReply(RedisCommandKind kind, const RespReply& reply) {
  if (reply.is_error()) return ClassifyErrorReply(reply.text);
  if (reply.type != RespReply::Type::kInteger) {
    return ActionResult::Retry("redis: unexpected reply type to a command");
  }
  if (kind == RedisCommandKind::kGuardedWrite) {
    if (reply.integer == 1) return ActionResult::Applied();
    if (reply.integer == 0) return ActionResult::AlreadyApplied("the stored version is newer");
    return ActionResult::Retry("redis: unexpected answer from the guard script");
  }
  return ActionResult::Applied();
}

ActionResult ClassifyExchangeFailure(const RedisExchangeResult& result) {
  const std::string where(RedisStageName(result.stage));
  if (IsCancelled(result.error)) {
    return ActionResult::Unavailable("redis: cancelled, the sink is closing");
  }
  if (result.protocol_error) {
    // Before the commands: not a Redis server at that address (or a broken one), an outage
    // for the sink; after them, counted, so that a server that garbles replies ends somewhere.
    if (result.stage == NetStage::kHandshake) {
      return ActionResult::Unavailable("redis: " + where + ": " + Quote(result.server_error));
    }
    return ActionResult::Retry("redis: " + where + ": " + Quote(result.server_error));
  }
  if (result.stage == NetStage::kHandshake && !result.server_error.empty()) {
    return ClassifyHandshakeError(result.server_error);
  }
  return ClassifyTransportFailure(result, "redis: ", where);
}

bool ErrorReplyNeedsReconnect(std::string_view error) { return IsNotServing(error); }

bool IsNoScript(const RespReply& reply) {
  return reply.is_error() && Code(reply.text) == "NOSCRIPT";
}

Status StartStatus(const ActionResult& result) {
  switch (result.outcome) {
    case ActionOutcome::kApplied:
    case ActionOutcome::kAlreadyApplied:
      return Status();
    case ActionOutcome::kFatal:
    case ActionOutcome::kRefused:
    case ActionOutcome::kBadRecord:
      return FailedPrecondition(result.message);
    default:
      return Unavailable(result.message);
  }
}

}  // namespace fanout
