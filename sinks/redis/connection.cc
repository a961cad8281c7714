#include "sinks/redis/connection.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <utility>

#include "sinks/redis/guard.h"

namespace fanout {

using boost::asio::ip::tcp;
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

RedisConnection::RedisConnection(RedisStrand strand, std::string host, std::string port,
                                 std::shared_ptr<const RedisHandshake> handshake,
                                 std::shared_ptr<const TlsContext> tls)
    : strand_(strand),
      host_(std::move(host)),
      port_(std::move(port)),
      handshake_(std::move(handshake)),
      resolver_(strand),
      resolve_timer_(strand),
      stream_(strand, std::move(tls)) {}

RedisConnection::~RedisConnection() = default;

void RedisConnection::Open(Clock::time_point deadline, Callback done) {
  commands_.reset();
  expected_ = 0;
  deadline_ = deadline;
  done_ = std::move(done);
  Start();
}

void RedisConnection::Send(std::shared_ptr<const std::string> commands, std::size_t replies,
                           Clock::time_point deadline, Callback done) {
  commands_ = std::move(commands);
  expected_ = replies;
  deadline_ = deadline;
  done_ = std::move(done);
  Start();
}

void RedisConnection::Start() {
  reused_ = exchanges_ > 0;
  if (open_) {
    if (commands_) return Write(RedisStage::kWrite);
    return Finish(Opened(reused_));
  }
  stage_ = RedisStage::kResolve;
  resolving_ = true;
  // The resolver has no deadline of its own (getaddrinfo runs on a helper thread), so a timer
  // ends the exchange on time and the late answer is ignored.
  resolve_timer_.expires_at(deadline_);
  resolve_timer_.async_wait([self = shared_from_this(), generation = generation_](error_code ec) {
    self->OnResolveTimer(generation, ec);
  });
  resolver_.async_resolve(host_, port_,
                          [self = shared_from_this(), generation = generation_](
                              const error_code& ec, const tcp::resolver::results_type& endpoints) {
                            self->OnResolved(generation, ec, endpoints);
                          });
}

void RedisConnection::OnResolveTimer(std::uint64_t generation, const error_code& error) {
  if (error || generation != generation_ || !resolving_) return;
  resolver_.cancel();
  Fail(RedisStage::kResolve, boost::beast::error::timeout);
}

void RedisConnection::OnResolved(std::uint64_t generation, const error_code& error,
                                 const tcp::resolver::results_type& endpoints) {
  if (generation != generation_) return;
  resolving_ = false;
  resolve_timer_.cancel();
  if (error) return Fail(RedisStage::kResolve, error);
  stage_ = RedisStage::kConnect;
  stream_.tcp().expires_at(deadline_);
  stream_.tcp().async_connect(endpoints, [self = shared_from_this(), generation](
                                             const error_code& ec, const tcp::endpoint&) {
    self->OnConnected(generation, ec);
  });
}

void RedisConnection::OnConnected(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  if (error) return Fail(RedisStage::kConnect, error);
  open_ = true;
  error_code ignored;
  // Pipelines are written whole; Nagle would only hold back the tail of each one.
  stream_.tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (!stream_.tls()) return Write(RedisStage::kHandshake);
  stage_ = RedisStage::kTlsHandshake;
  stream_.AsyncHandshake([self = shared_from_this(), generation](const error_code& ec) {
    self->OnTlsHandshake(generation, ec);
  });
}

void RedisConnection::OnTlsHandshake(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  if (error) return Fail(RedisStage::kTlsHandshake, error);
  Write(RedisStage::kHandshake);
}

void RedisConnection::Write(RedisStage stage) {
  stage_ = stage;
  replies_.clear();
  std::shared_ptr<const std::string> bytes;
  if (stage == RedisStage::kHandshake) {
    // Aliases the handshake: shares its ownership, points at its bytes.
    bytes = std::shared_ptr<const std::string>(handshake_, &handshake_->bytes);
  } else {
    bytes = commands_;
  }
  stream_.tcp().expires_at(deadline_);
  // The handler holds the bytes: Abort() may complete the exchange (and let the caller free its
  // copy) while the socket still has the write pending.
  boost::asio::async_write(
      stream_, boost::asio::buffer(*bytes),
      [self = shared_from_this(), generation = generation_, bytes](
          const error_code& ec, std::size_t) { self->OnWritten(generation, ec); });
}

void RedisConnection::OnWritten(std::uint64_t generation, const error_code& error) {
  if (generation != generation_) return;
  if (error) return Fail(stage_, error);
  if (stage_ == RedisStage::kWrite) stage_ = RedisStage::kRead;
  Read();
}

void RedisConnection::Read() {
  stream_.tcp().expires_at(deadline_);
  stream_.async_read_some(
      boost::asio::buffer(buffer_),
      [self = shared_from_this(), generation = generation_](
          const error_code& ec, std::size_t size) { self->OnRead(generation, ec, size); });
}

void RedisConnection::OnRead(std::uint64_t generation, const error_code& error, std::size_t size) {
  if (generation != generation_) return;
  if (error) return Fail(stage_, error);
  if (stage_ != RedisStage::kHandshake) got_reply_bytes_ = true;
  if (Status fed = reader_.Feed(std::string_view(buffer_.data(), size)); !fed.ok()) {
    return FailServer(std::string(fed.message()), /*protocol_error=*/true);
  }
  const std::size_t expected = stage_ == RedisStage::kHandshake ? handshake_->replies : expected_;
  while (replies_.size() < expected) {
    Result<std::optional<RespReply>> next = reader_.Next();
    if (!next.ok()) return FailServer(std::string(next.status().message()), true);
    if (!next->has_value()) return Read();
    RespReply& reply = **next;
    if (reply.is_error() && ErrorReplyNeedsReconnect(reply.text)) broken_ = true;
    replies_.push_back(std::move(reply));
  }
  // RESP2 sends nothing unasked: a further reply means the stream is out of step.
  Result<std::optional<RespReply>> extra = reader_.Next();
  if (!extra.ok() || extra->has_value()) broken_ = true;
  OnRoundDone();
}

void RedisConnection::OnRoundDone() {
  if (stage_ == RedisStage::kHandshake) {
    for (const RespReply& reply : replies_) {
      if (reply.is_error()) return FailServer(reply.text, false);
    }
    const RespReply& loaded = replies_.back();
    if (loaded.type != RespReply::Type::kString || loaded.text != handshake_->script_sha) {
      return FailServer("SCRIPT LOAD answered another SHA1 than the sink computed for its script",
                        false);
    }
    if (!commands_) return Finish(Opened(reused_));
    return Write(RedisStage::kWrite);
  }
  RedisExchangeResult result;
  result.stage = RedisStage::kDone;
  result.reused_connection = reused_;
  result.got_reply_bytes = true;
  result.replies = std::move(replies_);
  ++exchanges_;
  stream_.tcp().expires_never();
  Finish(std::move(result));
}

void RedisConnection::Fail(RedisStage stage, const error_code& error) {
  broken_ = true;
  RedisExchangeResult result;
  result.stage = stage;
  result.error = error;
  result.reused_connection = reused_;
  result.got_reply_bytes = got_reply_bytes_;
  if (stage != RedisStage::kHandshake) result.replies = std::move(replies_);
  Finish(std::move(result));
}

void RedisConnection::FailServer(std::string message, bool protocol_error) {
  broken_ = true;
  RedisExchangeResult result;
  result.stage = stage_;
  result.server_error = std::move(message);
  result.protocol_error = protocol_error;
  result.reused_connection = reused_;
  result.got_reply_bytes = got_reply_bytes_;
  if (stage_ != RedisStage::kHandshake) result.replies = std::move(replies_);
  Finish(std::move(result));
}

void RedisConnection::Abort() {
  broken_ = true;
  if (!idle()) {
    Fail(stage_, boost::asio::error::operation_aborted);
  } else {
    CloseSocket();
  }
}

void RedisConnection::Finish(RedisExchangeResult result) {
  ++generation_;
  resolving_ = false;
  got_reply_bytes_ = false;
  resolve_timer_.cancel();
  commands_.reset();
  replies_.clear();
  if (broken_) CloseSocket();
  Callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));
}

void RedisConnection::CloseSocket() {
  resolver_.cancel();
  if (open_) {
    error_code ignored;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  stream_.Close();
  open_ = false;
}

}  // namespace fanout
