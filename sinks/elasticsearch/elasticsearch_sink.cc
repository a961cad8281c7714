#include "sinks/elasticsearch/elasticsearch_sink.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sinks/begin_write.h"
#include "sinks/elasticsearch/action_builder.h"
#include "sinks/elasticsearch/bulk_call.h"
#include "sinks/elasticsearch/errors.h"
#include "sinks/elasticsearch/settings.h"
#include "sinks/elasticsearch/spec.h"
#include "sinks/net/await_on_strand.h"
#include "sinks/runtime.h"
#include "sinks/write_tracker.h"

namespace fanout {
namespace {

namespace http = boost::beast::http;

class ElasticsearchSink final : public Sink {
 public:
  ElasticsearchSink(std::string name, ElasticsearchSinkSettings settings,
                    std::shared_ptr<const TlsContext> tls, SinkRuntime& runtime)
      : settings_(std::move(settings)),
        strand_(boost::asio::make_strand(runtime.context())),
        context_(std::make_shared<BulkContext>()),
        tracker_(std::make_shared<WriteTracker>()) {
    context_->sink_name = std::move(name);
    context_->bulk_target =
        settings_.url.base_path + "/_bulk?filter_path=" + std::string(kBulkFilterPath);
    context_->host_header = settings_.url.host_header;
    context_->authorization = settings_.authorization;
    context_->timeout = settings_.timeout;
    context_->client = MakeHttpClient(strand_, settings_.url, settings_.pool_size, std::move(tls));
  }

  ~ElasticsearchSink() override { Close(); }

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) override {
    FANOUT_ASSIGN_OR_RETURN(std::unique_ptr<ElasticsearchActionBuilder> builder,
                            ElasticsearchActionBuilder::Create(binding));
    return std::unique_ptr<ActionBuilder>(std::move(builder));
  }

  Status Start(std::chrono::milliseconds timeout) override;
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override;
  std::size_t max_batch() const override { return settings_.batch_size; }
  std::size_t max_concurrency() const override { return settings_.pool_size; }
  void Close() override;

 private:
  struct Started {
    Status status;
    std::string server;
  };

  const ElasticsearchSinkSettings settings_;
  NetStrand strand_;
  std::shared_ptr<BulkContext> context_;  // used on strand_ only
  std::shared_ptr<WriteTracker> tracker_;
};

Status ElasticsearchSink::Start(std::chrono::milliseconds timeout) {
  if (tracker_->closed()) return FailedPrecondition("the sink is closed");
  std::shared_ptr<const HttpRequest> request =
      MakeElasticsearchRequest(*context_, http::verb::get,
                               settings_.url.base_path.empty() ? "/" : settings_.url.base_path, "");
  Result<Started> result = AwaitOnStrand<Started>(
      strand_, timeout, [context = context_, request, timeout](std::function<void(Started)> reply) {
        context->client->Submit(request, timeout, [context, reply](HttpExchangeResult exchange) {
          Started started;
          started.status = ClassifyStart(exchange, context->parser, &started.server);
          reply(std::move(started));
        });
      });
  const std::string where =
      "elasticsearch sink '" + context_->sink_name + "' at " + settings_.url.host_header;
  if (!result.ok()) return result.status().WithContext(where);
  Started started = std::move(result).value();
  if (!started.status.ok()) return started.status.WithContext(where);
  spdlog::info("elasticsearch sink '{}': connected to {}", context_->sink_name, started.server);
  return Status();
}

void ElasticsearchSink::Write(std::span<const SinkAction* const> batch, WriteCallback done) {
  std::optional<StartedWrite<ElasticsearchAction>> started = BeginWrite<ElasticsearchAction>(
      batch, std::move(done), tracker_, strand_, settings_.batch_size, "an elasticsearch sink");
  if (!started) return;
  std::vector<const ElasticsearchAction*> actions = std::move(started->actions);
  WriteCallback complete = std::move(started->complete);
  auto call = std::make_shared<BulkCall>(context_, std::move(actions), std::move(complete));
  boost::asio::post(strand_, [call] { call->Start(); });
}

void ElasticsearchSink::Close() {
  const bool first = tracker_->Close();
  if (first) boost::asio::post(strand_, [context = context_] { context->client->Abort(); });
  tracker_->WaitIdle();
}

}  // namespace

Result<std::unique_ptr<Sink>> CreateElasticsearchSink(const SinkSpec& spec, SinkRuntime& runtime) {
  FANOUT_ASSIGN_OR_RETURN(ElasticsearchSinkSettings settings, ParseElasticsearchSinkSettings(spec));
  FANOUT_ASSIGN_OR_RETURN(std::shared_ptr<const TlsContext> tls, TlsContext::Make(settings.tls));
  return std::unique_ptr<Sink>(
      std::make_unique<ElasticsearchSink>(spec.name, std::move(settings), std::move(tls), runtime));
}

Status RegisterElasticsearchSink(SinkRegistry& registry) {
  return registry.Register(ElasticsearchSinkType(), CreateElasticsearchSink);
}

}  // namespace fanout
