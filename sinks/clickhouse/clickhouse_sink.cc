#include "sinks/clickhouse/clickhouse_sink.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sinks/begin_write.h"
#include "sinks/clickhouse/action_builder.h"
#include "sinks/clickhouse/errors.h"
#include "sinks/clickhouse/insert_call.h"
#include "sinks/clickhouse/settings.h"
#include "sinks/clickhouse/spec.h"
#include "sinks/net/await_on_strand.h"
#include "sinks/runtime.h"
#include "sinks/write_tracker.h"

namespace fanout {
namespace {

struct Answer {
  HttpExchangeResult exchange;
};

// Sends `query` once (a GET, or a POST of `body`) and waits for its exchange.
Result<HttpExchangeResult> Ask(const NetStrand& strand, std::shared_ptr<InsertContext> context,
                               const std::string& query, std::string body,
                               std::chrono::milliseconds timeout) {
  std::shared_ptr<const HttpRequest> request = MakeClickHouseRequest(
      *context, ClickHouseQueryTarget(context->base_path, query), std::move(body));
  Result<Answer> answer = AwaitOnStrand<Answer>(
      strand, timeout, [context, request, timeout](std::function<void(Answer)> reply) {
        context->client->Submit(request, timeout, [reply](HttpExchangeResult exchange) {
          reply(Answer{std::move(exchange)});
        });
      });
  if (!answer.ok()) return answer.status();
  return std::move(answer->exchange);
}

std::shared_ptr<InsertContext> MakeContext(const std::string& name,
                                           const ClickHouseSinkSettings& settings,
                                           const NetStrand& strand,
                                           std::shared_ptr<const TlsContext> tls) {
  auto context = std::make_shared<InsertContext>(strand);
  context->sink_name = name;
  context->base_path = settings.url.base_path;
  context->host_header = settings.url.host_header;
  context->authorization = settings.authorization;
  context->timeout = settings.timeout;
  context->client = MakeHttpClient(strand, settings.url, settings.pool_size, std::move(tls));
  return context;
}

class ClickHouseSink final : public Sink {
 public:
  ClickHouseSink(std::string name, ClickHouseSinkSettings settings,
                 std::shared_ptr<const TlsContext> tls, SinkRuntime& runtime)
      : settings_(std::move(settings)),
        strand_(boost::asio::make_strand(runtime.context())),
        context_(MakeContext(name, settings_, strand_, std::move(tls))),
        tracker_(std::make_shared<WriteTracker>()) {}

  ~ClickHouseSink() override { Close(); }

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) override {
    FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseActionBuilder> builder,
                            ClickHouseActionBuilder::Create(binding, settings_.database));
    return std::unique_ptr<ActionBuilder>(std::move(builder));
  }

  Status Start(std::chrono::milliseconds timeout) override;
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override;
  std::size_t max_batch() const override { return settings_.batch_size; }
  std::size_t max_concurrency() const override { return settings_.pool_size; }
  void Close() override;

 private:
  const ClickHouseSinkSettings settings_;
  NetStrand strand_;
  std::shared_ptr<InsertContext> context_;  // used on strand_ only
  std::shared_ptr<WriteTracker> tracker_;
};

Status ClickHouseSink::Start(std::chrono::milliseconds timeout) {
  if (tracker_->closed()) return FailedPrecondition("the sink is closed");
  const std::string where =
      "clickhouse sink '" + context_->sink_name + "' at " + settings_.url.host_header;
  Result<HttpExchangeResult> exchange = Ask(strand_, context_, "SELECT version()", "", timeout);
  if (!exchange.ok()) return exchange.status().WithContext(where);
  std::string version;
  if (Status status = ClassifyClickHouseStart(*exchange, &version); !status.ok()) {
    return status.WithContext(where);
  }
  spdlog::info("clickhouse sink '{}': connected to ClickHouse {}", context_->sink_name, version);
  return Status();
}

void ClickHouseSink::Write(std::span<const SinkAction* const> batch, WriteCallback done) {
  std::optional<StartedWrite<ClickHouseAction>> started = BeginWrite<ClickHouseAction>(
      batch, std::move(done), tracker_, strand_, settings_.batch_size, "a clickhouse sink");
  if (!started) return;
  const bool full = started->actions.size() >= settings_.batch_size;
  auto call = std::make_shared<InsertCall>(context_, std::move(started->actions),
                                           std::move(started->complete));
  if (full || settings_.linger.count() == 0) {
    boost::asio::post(strand_, [call] { call->Start(); });
    return;
  }
  // A small batch waits: the lane stays busy meanwhile, so the delivery core gathers what
  // arrives into the next batch. After Close, the INSERT meets the aborted client and is
  // answered at once (unavailable); Close waits for that, at most `linger`.
  auto timer = std::make_shared<boost::asio::steady_timer>(strand_, settings_.linger);
  timer->async_wait([call, timer](const boost::system::error_code&) { call->Start(); });
}

void ClickHouseSink::Close() {
  const bool first = tracker_->Close();
  if (first) boost::asio::post(strand_, [context = context_] { context->client->Abort(); });
  tracker_->WaitIdle();
}

}  // namespace

Result<std::unique_ptr<Sink>> CreateClickHouseSink(const SinkSpec& spec, SinkRuntime& runtime) {
  FANOUT_ASSIGN_OR_RETURN(ClickHouseSinkSettings settings, ParseClickHouseSinkSettings(spec));
  FANOUT_ASSIGN_OR_RETURN(std::shared_ptr<const TlsContext> tls, TlsContext::Make(settings.tls));
  return std::unique_ptr<Sink>(
      std::make_unique<ClickHouseSink>(spec.name, std::move(settings), std::move(tls), runtime));
}

Status RegisterClickHouseSink(SinkRegistry& registry) {
  return registry.Register(ClickHouseSinkType(), CreateClickHouseSink);
}

Result<std::string> RunClickHouseStatement(const SinkSpec& spec, const std::string& statement,
                                           std::chrono::milliseconds timeout) {
  FANOUT_ASSIGN_OR_RETURN(ClickHouseSinkSettings settings, ParseClickHouseSinkSettings(spec));
  FANOUT_ASSIGN_OR_RETURN(std::shared_ptr<const TlsContext> tls, TlsContext::Make(settings.tls));
  SinkRuntime runtime(1);
  NetStrand strand = boost::asio::make_strand(runtime.context());
  std::shared_ptr<InsertContext> context = MakeContext(spec.name, settings, strand, std::move(tls));
  // The statement goes in the body: a CREATE TABLE may be longer than a URL should be.
  Result<HttpExchangeResult> exchange = Ask(strand, context, "", statement, timeout);
  boost::asio::post(strand, [context] { context->client->Abort(); });
  runtime.Stop();
  if (!exchange.ok()) return exchange.status();
  if (exchange->stage != NetStage::kDone || exchange->error) {
    return Unavailable(ClassifyHttpTransport(*exchange).message);
  }
  if (exchange->status < 200 || exchange->status >= 300) {
    return FailedPrecondition(ClickHouseErrorText(exchange->status, exchange->body));
  }
  return std::move(exchange->body);
}

}  // namespace fanout
