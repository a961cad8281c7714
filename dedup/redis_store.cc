#include "dedup/redis_store.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <string_view>

#include "sinks/redis/settings.h"

namespace fanout {
namespace {

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return tv;
}

// The store's one place that maps Redis errors onto Status. Connection and I/O failures
// (refused, reset, timed out) are Unavailable; so are the error replies of a server that is
// starting or failing over. Refused credentials and anything else stop fanout.
Status ClassifyErrorReply(std::string_view message) {
  for (std::string_view transient :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "OOM"}) {
    if (message.substr(0, transient.size()) == transient) {
      return Unavailable("redis idempotency store: " + std::string(message));
    }
  }
  if (message.substr(0, 6) == "NOAUTH" || message.substr(0, 8) == "WRONGPASS" ||
      message.substr(0, 7) == "NOPERM") {
    return FailedPrecondition("redis idempotency store: authentication refused: " +
                              std::string(message.substr(0, message.find(' '))));
  }
  return Internal("redis idempotency store: " + std::string(message));
}

// hiredis 0.14 reports a timeout as an I/O error (EAGAIN) like any other: all are Unavailable.
Status ClassifyContextError(const redisContext* context, std::string_view doing) {
  const std::string why = context != nullptr ? context->errstr : "cannot allocate a context";
  return Unavailable("redis idempotency store: " + std::string(doing) + ": " + why);
}

class RedisIdempotencyStore final : public IdempotencyStore {
 public:
  RedisIdempotencyStore(RedisSinkSettings settings, std::string key_prefix)
      : settings_(std::move(settings)),
        key_prefix_("fanout:idempotency:" + (key_prefix.empty() ? key_prefix : key_prefix + ":")) {}

  Status Start() override { return Connect(); }

  Result<std::vector<bool>> Contains(std::span<const std::string> keys) override {
    std::vector<bool> found(keys.size(), false);
    if (keys.empty()) return found;
    FANOUT_RETURN_IF_ERROR(Connect());
    std::string full;
    for (const std::string& key : keys) {
      full = key_prefix_ + key;
      if (redisAppendCommand(context_.get(), "EXISTS %b", full.data(), full.size()) != REDIS_OK) {
        return Drop("EXISTS");
      }
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      FANOUT_ASSIGN_OR_RETURN(ReplyPtr reply, NextReply("EXISTS"));
      if (reply->type != REDIS_REPLY_INTEGER) return Internal("EXISTS: unexpected reply type");
      found[i] = reply->integer > 0;
    }
    return found;
  }

  Status Record(std::span<const std::string> keys, std::chrono::milliseconds ttl) override {
    if (keys.empty()) return Status();
    if (ttl.count() <= 0) return InvalidArgument("the idempotency key ttl must be above zero");
    FANOUT_RETURN_IF_ERROR(Connect());
    const std::string px = std::to_string(ttl.count());
    std::string full;
    for (const std::string& key : keys) {
      full = key_prefix_ + key;
      if (redisAppendCommand(context_.get(), "SET %b 1 NX PX %b", full.data(), full.size(),
                             px.data(), px.size()) != REDIS_OK) {
        return Drop("SET");
      }
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      // OK when set, nil when NX found the key: both mean "recorded". An error reply drops the
      // connection (NextReply), so the pipeline never goes out of step.
      FANOUT_ASSIGN_OR_RETURN(ReplyPtr reply, NextReply("SET"));
    }
    return Status();
  }

  Result<std::size_t> Purge() override { return std::size_t{0}; }  // Redis expires the keys

  std::string_view type() const override { return "redis"; }

 private:
  Status Connect() {
    if (context_) return Status();
    const timeval tv = ToTimeval(settings_.timeout);
    ContextPtr context(redisConnectWithTimeout(settings_.host.c_str(), settings_.port, tv));
    if (context == nullptr || context->err != 0)
      return ClassifyContextError(context.get(), "connect");
    if (redisSetTimeout(context.get(), tv) != REDIS_OK) {
      return ClassifyContextError(context.get(), "set timeout");
    }
    context_ = std::move(context);
    if (!settings_.password.empty()) {
      ReplyPtr reply(static_cast<redisReply*>(
          settings_.username.empty()
              ? redisCommand(context_.get(), "AUTH %b", settings_.password.data(),
                             settings_.password.size())
              : redisCommand(context_.get(), "AUTH %b %b", settings_.username.data(),
                             settings_.username.size(), settings_.password.data(),
                             settings_.password.size())));
      FANOUT_RETURN_IF_ERROR(CheckHandshake(std::move(reply), "AUTH"));
    }
    if (settings_.db != 0) {
      ReplyPtr reply(static_cast<redisReply*>(
          redisCommand(context_.get(), "SELECT %lld", static_cast<long long>(settings_.db))));
      FANOUT_RETURN_IF_ERROR(CheckHandshake(std::move(reply), "SELECT"));
    }
    return Status();
  }

  Status CheckHandshake(ReplyPtr reply, std::string_view command) {
    if (reply == nullptr) return Drop(command);
    if (reply->type == REDIS_REPLY_ERROR) {
      Status status = ClassifyErrorReply(std::string_view(reply->str, reply->len));
      context_.reset();
      return status;
    }
    return Status();
  }

  Result<ReplyPtr> NextReply(std::string_view command) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) return Drop(command);
    ReplyPtr reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) {
      Status status = ClassifyErrorReply(std::string_view(reply->str, reply->len));
      // A pipeline with an error reply in the middle is left behind: start afresh next time.
      context_.reset();
      return status;
    }
    return reply;
  }

  // The connection is broken (or out of step): forget it; the next call reconnects.
  Status Drop(std::string_view doing) {
    Status status = ClassifyContextError(context_.get(), doing);
    context_.reset();
    return status;
  }

  RedisSinkSettings settings_;
  std::string key_prefix_;
  ContextPtr context_;
};

}  // namespace

Result<std::unique_ptr<IdempotencyStore>> CreateRedisIdempotencyStore(const SinkSpec& spec,
                                                                      std::string key_prefix) {
  FANOUT_ASSIGN_OR_RETURN(RedisSinkSettings settings, ParseRedisSinkSettings(spec));
  if (settings.tls.enabled) {
    return InvalidArgument(
        "url: a rediss:// (TLS) sink cannot hold idempotency keys yet; use a redis:// sink");
  }
  return std::unique_ptr<IdempotencyStore>(
      std::make_unique<RedisIdempotencyStore>(std::move(settings), std::move(key_prefix)));
}

}  // namespace fanout
