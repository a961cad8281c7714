#include "sinks/redis/redis_sink.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sinks/begin_write.h"
#include "sinks/net/await_on_strand.h"
#include "sinks/redis/action_builder.h"
#include "sinks/redis/connection.h"
#include "sinks/redis/errors.h"
#include "sinks/redis/pipeline.h"
#include "sinks/redis/settings.h"
#include "sinks/redis/spec.h"
#include "sinks/runtime.h"
#include "sinks/write_tracker.h"

namespace fanout {
namespace {

// What became of the commands an exchange did not answer.
ActionResult Unanswered(const RedisExchangeResult& exchange) {
  if (exchange.stage == NetStage::kDone) {
    return ActionResult::Retry("redis: the server answered fewer replies than commands");
  }
  return ClassifyExchangeFailure(exchange);
}

// Outcomes only: keys, values and payloads may be personal data, and are never logged.
void LogFailures(const std::string& sink, const std::vector<ActionResult>& results) {
  std::size_t failed = 0;
  const ActionResult* first = nullptr;
  for (const ActionResult& result : results) {
    if (result.outcome == ActionOutcome::kApplied ||
        result.outcome == ActionOutcome::kAlreadyApplied) {
      continue;
    }
    ++failed;
    if (first == nullptr) first = &result;
  }
  if (first == nullptr) return;
  spdlog::debug("redis sink '{}': {} of {} actions not applied; first: {} ({})", sink, failed,
                results.size(), ToString(first->outcome), first->message);
}

class RedisSink final : public Sink {
 public:
  RedisSink(std::string name, RedisSinkSettings settings,
            std::shared_ptr<const RedisHandshake> handshake, std::shared_ptr<const TlsContext> tls,
            SinkRuntime& runtime)
      : name_(std::move(name)),
        settings_(std::move(settings)),
        strand_(boost::asio::make_strand(runtime.context())),
        pool_(std::make_shared<RedisConnectionPool>(
            settings_.pool_size,
            [strand = strand_, host = settings_.host, port = std::to_string(settings_.port),
             handshake = std::move(handshake), tls = std::move(tls)] {
              return std::make_shared<RedisConnection>(strand, host, port, handshake, tls);
            })),
        tracker_(std::make_shared<WriteTracker>()) {}

  ~RedisSink() override { Close(); }

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) override {
    FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<RedisActionBuilder> builder,
                            RedisActionBuilder::Create(binding, settings_.tombstone_ttl));
    return std::unique_ptr<ActionBuilder>(std::move(builder));
  }

  Status Start(std::chrono::milliseconds timeout) override;
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override;
  std::size_t max_batch() const override { return settings_.batch_size; }
  std::size_t max_concurrency() const override { return settings_.pool_size; }
  void Close() override;

 private:
  const std::string name_;
  const RedisSinkSettings settings_;
  NetStrand strand_;
  std::shared_ptr<RedisConnectionPool> pool_;  // used on strand_ only
  std::shared_ptr<WriteTracker> tracker_;
};

Status RedisSink::Start(std::chrono::milliseconds timeout) {
  if (tracker_->closed()) return FailedPrecondition("the sink is closed");
  Result<RedisExchangeResult> result = AwaitConnect(strand_, pool_, timeout);
  const std::string where = "redis at " + settings_.host + ":" + std::to_string(settings_.port);
  if (!result.ok()) return result.status().WithContext(where);
  if (!result->error && result->server_error.empty()) return Status();
  return StartStatus(ClassifyExchangeFailure(*result)).WithContext(where);
}

void RedisSink::Write(std::span<const SinkAction* const> batch, WriteCallback done) {
  std::optional<StartedWrite<RedisAction>> started = BeginWrite<RedisAction>(
      batch, std::move(done), tracker_, strand_, settings_.batch_size, "a redis sink");
  if (!started) return;
  const std::size_t count = started->actions.size();
  std::vector<const RedisAction*> actions = std::move(started->actions);
  WriteCallback complete = std::move(started->complete);

  auto pipeline = std::make_shared<RedisPipeline>(std::move(actions));
  if (pipeline->size() == 0) {  // nothing to send
    return FinishWriteNow(strand_, std::move(complete), count, ActionResult::Applied());
  }
  // The pipeline's bytes are a copy: a cancelled socket operation may still hold them after the
  // callback has let the caller free the actions.
  auto bytes = std::make_shared<const std::string>(pipeline->Bytes());
  auto finish = [name = name_, pipeline, complete = std::move(complete)]() mutable {
    std::vector<ActionResult> results = pipeline->TakeResults();
    LogFailures(name, results);
    complete(std::move(results));
  };
  boost::asio::post(strand_, [pool = pool_, pipeline, bytes, timeout = settings_.timeout,
                              finish = std::move(finish)]() mutable {
    pool->Submit(
        RedisRequest{bytes, pipeline->size()}, timeout,
        [pool, pipeline, timeout, finish = std::move(finish)](RedisExchangeResult first) mutable {
          std::string fallback = pipeline->Record(first.replies, Unanswered(first));
          if (fallback.empty()) return finish();
          // NOSCRIPT: the server lost the guard script; EVAL carries it (and caches it again).
          pool->Submit(RedisRequest{std::make_shared<const std::string>(std::move(fallback)),
                                    pipeline->fallback_size()},
                       timeout,
                       [pipeline, finish = std::move(finish)](RedisExchangeResult second) mutable {
                         pipeline->RecordFallback(second.replies, Unanswered(second));
                         finish();
                       });
        });
  });
}

void RedisSink::Close() {
  const bool first = tracker_->Close();
  if (first) boost::asio::post(strand_, [pool = pool_] { pool->Abort(); });
  tracker_->WaitIdle();
}

}  // namespace

Result<std::unique_ptr<Sink>> CreateRedisSink(const SinkSpec& spec, SinkRuntime& runtime) {
  FANOUT_ASSIGN_OR_RETURN(RedisSinkSettings settings, ParseRedisSinkSettings(spec));
  FANOUT_ASSIGN_OR_RETURN(RedisHandshake handshake, MakeRedisHandshake(settings));
  FANOUT_ASSIGN_OR_RETURN(std::shared_ptr<const TlsContext> tls, TlsContext::Make(settings.tls));
  return std::unique_ptr<Sink>(std::make_unique<RedisSink>(
      spec.name, std::move(settings), std::make_shared<const RedisHandshake>(std::move(handshake)),
      std::move(tls), runtime));
}

Status RegisterRedisSink(SinkRegistry& registry) {
  return registry.Register(RedisSinkType(), CreateRedisSink);
}

}  // namespace fanout
