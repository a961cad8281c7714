#include "sinks/redis/errors.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <initializer_list>

#include "sinks/net/sink_stream.h"

namespace fanout {
namespace {

namespace asio_error = boost::asio::error;

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

bool IsConnectionLost(const boost::system::error_code& error) {
  return error == asio_error::connection_refused || error == asio_error::connection_reset ||
         error == asio_error::connection_aborted || error == asio_error::broken_pipe ||
         error == asio_error::eof || error == asio_error::not_connected ||
         error == asio_error::network_unreachable || error == asio_error::network_down ||
         error == asio_error::network_reset || error == asio_error::host_unreachable ||
         error == asio_error::shut_down;
}

bool IsTimeout(const boost::system::error_code& error) {
  return error == boost::beast::error::timeout || error == asio_error::timed_out;
}

}  // namespace

std::string_view RedisStageName(RedisStage stage) {
  switch (stage) {
    case RedisStage::kResolve:
      return "resolve";
    case RedisStage::kConnect:
      return "connect";
    case RedisStage::kTlsHandshake:
      return "TLS handshake";
    case RedisStage::kHandshake:
      return "handshake";
    case RedisStage::kWrite:
      return "send";
    case RedisStage::kRead:
      return "reply";
    case RedisStage::kDone:
      return "done";
  }
  return "?";
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
  const boost::system::error_code& error = result.error;
  const std::string where(RedisStageName(result.stage));
  if (error == asio_error::operation_aborted) {
    return ActionResult::Unavailable("redis: cancelled, the sink is closing");
  }
  if (result.protocol_error) {
    // Before the commands: not a Redis server at that address (or a broken one), an outage
    // for the sink; after them, counted, so that a server that garbles replies ends somewhere.
    if (result.stage == RedisStage::kHandshake) {
      return ActionResult::Unavailable("redis: " + where + ": " + Quote(result.server_error));
    }
    return ActionResult::Retry("redis: " + where + ": " + Quote(result.server_error));
  }
  if (result.stage == RedisStage::kHandshake && !result.server_error.empty()) {
    return ClassifyHandshakeError(result.server_error);
  }
  if (result.stage == RedisStage::kTlsHandshake && IsTlsVerificationFailure(error)) {
    // The server is there but is not who the settings say it must be: no retry changes that.
    return ActionResult::Fatal("redis: TLS handshake failed: " + error.message() +
                               " (check tls_ca_file, tls_server_name)");
  }
  const bool reaching =
      result.stage == RedisStage::kResolve || result.stage == RedisStage::kConnect ||
      result.stage == RedisStage::kTlsHandshake || result.stage == RedisStage::kHandshake;
  if (IsTimeout(error)) {
    // Not getting as far as sending the commands is an outage; a server that took them and is
    // slow to answer may be choking on these commands, so that attempt counts.
    if (reaching) return ActionResult::Unavailable("redis: " + where + " timed out");
    return ActionResult::Retry("redis: " + where + " timed out");
  }
  if (reaching || IsConnectionLost(error)) {
    return ActionResult::Unavailable("redis: " + where + " failed: " + error.message());
  }
  return ActionResult::Retry("redis: " + where + " failed: " + error.message());
}

bool ErrorReplyNeedsReconnect(std::string_view error) { return IsNotServing(error); }

bool IsNoScript(const RespReply& reply) {
  return reply.is_error() && Code(reply.text) == "NOSCRIPT";
}

bool IsStaleConnectionFailure(const RedisExchangeResult& result) {
  if (!result.reused_connection || result.got_reply_bytes) return false;
  if (result.stage != RedisStage::kWrite && result.stage != RedisStage::kRead) return false;
  const boost::system::error_code& error = result.error;
  return error == asio_error::connection_reset || error == asio_error::broken_pipe ||
         error == asio_error::eof || error == asio_error::connection_aborted;
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
