#include "sinks/redis/connection.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <utility>

#include "sinks/redis/guard.h"

namespace fanout {

using boost::system::error_code;

namespace {

// What Open() reports once the connection is open and the handshake done.
RedisExchangeResult Opened(bool reused) {
  RedisExchangeResult result;
  result.reused_connection = reused;
  return result;
}

}  // namespace

Result<RedisHandshake> MakeRedisHandshake(const RedisSinkSettings& settings) {
  RedisHandshake handshake;
  if (!settings.password.empty()) {
    RespCommand auth;
    auth.Arg("AUTH");
    if (!settings.username.empty()) auth.Arg(settings.username);
    auth.Arg(settings.password);
    auth.AppendTo(&handshake.bytes);
    ++handshake.replies;
  }
  const std::string db = std::to_string(settings.db);
  if (settings.db != 0) {
    RespCommand().Arg("SELECT").Arg(db).AppendTo(&handshake.bytes);
    ++handshake.replies;
  }
  RespCommand().Arg("SCRIPT").Arg("LOAD").Arg(GuardScript()).AppendTo(&handshake.bytes);
  ++handshake.replies;
  handshake.script_sha = GuardScriptSha1();
  return handshake;
}

RedisConnection::RedisConnection(NetStrand strand, std::string host, std::string port,
                                 std::shared_ptr<const RedisHandshake> handshake,
                                 std::shared_ptr<const TlsContext> tls)
    : TcpConnection(std::move(strand), std::move(host), std::move(port), std::move(tls)),
      handshake_(std::move(handshake)) {}

void RedisConnection::Open(Clock::time_point deadline, Callback done) {
  request_ = RedisRequest{};
  done_ = std::move(done);
  BeginExchange(deadline);
}

void RedisConnection::Send(const RedisRequest& request, Clock::time_point deadline, Callback done) {
  request_ = request;
  done_ = std::move(done);
  BeginExchange(deadline);
}

void RedisConnection::OnTransportReady(bool fresh) {
  if (fresh) return Write(NetStage::kHandshake);
  if (request_.commands) return Write(NetStage::kWrite);
  Finish(Opened(reused()));
}

void RedisConnection::Write(NetStage stage) {
  set_stage(stage);
  replies_.clear();
  std::shared_ptr<const std::string> bytes;
  if (stage == NetStage::kHandshake) {
    // Aliases the handshake: shares its ownership, points at its bytes.
    bytes = std::shared_ptr<const std::string>(handshake_, &handshake_->bytes);
  } else {
    bytes = request_.commands;
  }
  stream().tcp().expires_at(deadline());
  // The handler holds the bytes: Abort() may complete the exchange (and let the caller free its
  // copy) while the socket still has the write pending.
  boost::asio::async_write(
      stream(), boost::asio::buffer(*bytes),
      Current([this, bytes](const error_code& ec, std::size_t) { OnWritten(ec); }));
}

void RedisConnection::OnWritten(const error_code& error) {
  if (error) return Fail(stage(), error);
  if (stage() == NetStage::kWrite) set_stage(NetStage::kRead);
  Read();
}

void RedisConnection::Read() {
  stream().tcp().expires_at(deadline());
  stream().async_read_some(
      boost::asio::buffer(buffer_),
      Current([this](const error_code& ec, std::size_t size) { OnRead(ec, size); }));
}

void RedisConnection::OnRead(const error_code& error, std::size_t size) {
  if (error) return Fail(stage(), error);
  if (stage() != NetStage::kHandshake) got_response_bytes_ = true;
  if (Status fed = reader_.Feed(std::string_view(buffer_.data(), size)); !fed.ok()) {
    return FailServer(std::string(fed.message()), /*protocol_error=*/true);
  }
  const std::size_t expected =
      stage() == NetStage::kHandshake ? handshake_->replies : request_.replies;
  while (replies_.size() < expected) {
    Result<std::optional<RespReply>> next = reader_.Next();
    if (!next.ok()) return FailServer(std::string(next.status().message()), true);
    if (!next->has_value()) return Read();
    RespReply& reply = **next;
    if (reply.is_error() && ErrorReplyNeedsReconnect(reply.text)) MarkBroken();
    replies_.push_back(std::move(reply));
  }
  // RESP2 sends nothing unasked: a further reply means the stream is out of step.
  Result<std::optional<RespReply>> extra = reader_.Next();
  if (!extra.ok() || extra->has_value()) MarkBroken();
  OnRoundDone();
}

void RedisConnection::OnRoundDone() {
  if (stage() == NetStage::kHandshake) {
    for (const RespReply& reply : replies_) {
      if (reply.is_error()) return FailServer(reply.text, false);
    }
    const RespReply& loaded = replies_.back();
    if (loaded.type != RespReply::Type::kString || loaded.text != handshake_->script_sha) {
      return FailServer("SCRIPT LOAD answered another SHA1 than the sink computed for its script",
                        false);
    }
    if (!request_.commands) return Finish(Opened(reused()));
    return Write(NetStage::kWrite);
  }
  RedisExchangeResult result;
  result.stage = NetStage::kDone;
  result.reused_connection = reused();
  result.got_response_bytes = true;
  result.replies = std::move(replies_);
  ExchangeSucceeded();
  Finish(std::move(result));
}

void RedisConnection::Fail(NetStage stage, const error_code& error) {
  MarkBroken();
  RedisExchangeResult result;
  result.stage = stage;
  result.error = error;
  result.reused_connection = reused();
  result.got_response_bytes = got_response_bytes_;
  if (stage != NetStage::kHandshake) result.replies = std::move(replies_);
  Finish(std::move(result));
}

void RedisConnection::FailServer(std::string message, bool protocol_error) {
  MarkBroken();
  RedisExchangeResult result;
  result.stage = stage();
  result.server_error = std::move(message);
  result.protocol_error = protocol_error;
  result.reused_connection = reused();
  result.got_response_bytes = got_response_bytes_;
  if (stage() != NetStage::kHandshake) result.replies = std::move(replies_);
  Finish(std::move(result));
}

void RedisConnection::Finish(RedisExchangeResult result) {
  EndExchange();
  got_response_bytes_ = false;
  request_ = RedisRequest{};
  replies_.clear();
  Callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));
}

}  // namespace fanout
