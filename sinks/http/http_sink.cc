#include "sinks/http/http_sink.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sinks/begin_write.h"
#include "sinks/http/errors.h"
#include "sinks/http/action_builder.h"
#include "sinks/http/settings.h"
#include "sinks/http/spec.h"
#include "sinks/net/await_on_strand.h"
#include "sinks/net/http_client.h"
#include "sinks/runtime.h"
#include "sinks/write_tracker.h"

namespace fanout {
namespace {

namespace http = boost::beast::http;

class HttpSink final : public Sink {
 public:
  HttpSink(std::string name, HttpSinkSettings settings, std::shared_ptr<const TlsContext> tls,
           SinkRuntime& runtime)
      : name_(std::move(name)),
        settings_(std::move(settings)),
        strand_(boost::asio::make_strand(runtime.context())),
        client_(MakeHttpClient(strand_, settings_.url, settings_.pool_size, std::move(tls))),
        tracker_(std::make_shared<WriteTracker>()) {}

  ~HttpSink() override { Close(); }

  Result<std::unique_ptr<ActionBuilder>> Bind(const RouteBinding& binding) override {
    FANOUT_ASSIGN_OR_RETURN(
        std::unique_ptr<HttpActionBuilder> builder,
        HttpActionBuilder::Create(binding, settings_.url.base_path, settings_.batch_size > 1));
    return std::unique_ptr<ActionBuilder>(std::move(builder));
  }

  Status Start(std::chrono::milliseconds timeout) override;
  void Write(std::span<const SinkAction* const> batch, WriteCallback done) override;
  std::size_t max_batch() const override { return settings_.batch_size; }
  std::size_t max_concurrency() const override { return settings_.pool_size; }
  void Close() override;

 private:
  std::shared_ptr<const HttpRequest> MakeRequest(const std::string& target, std::string body,
                                                 const std::string* idempotency_key) const;

  const std::string name_;
  const HttpSinkSettings settings_;
  NetStrand strand_;
  std::shared_ptr<HttpClient> client_;  // used on strand_ only
  std::shared_ptr<WriteTracker> tracker_;
};

Status HttpSink::Start(std::chrono::milliseconds timeout) {
  if (tracker_->closed()) return FailedPrecondition("the sink is closed");
  Result<HttpExchangeResult> result = AwaitConnect(strand_, client_, timeout);
  const std::string where = "cannot reach " + settings_.url.host_header;
  if (!result.ok()) return result.status().WithContext(where);
  if (!result->error) return Status();
  return Unavailable(where + ": " + std::string(HttpStageName(result->stage)) +
                     " failed: " + result->error.message());
}

std::shared_ptr<const HttpRequest> HttpSink::MakeRequest(const std::string& target,
                                                         std::string body,
                                                         const std::string* idempotency_key) const {
  auto request = std::make_shared<HttpRequest>(http::verb::post, target, 11);
  request->set(http::field::host, settings_.url.host_header);
  request->set(http::field::user_agent, "fanout");
  request->set(http::field::content_type, "application/json");
  if (!settings_.authorization.empty()) {
    request->set(http::field::authorization, settings_.authorization);
  }
  for (const auto& [name, value] : settings_.headers) request->set(name, value);
  if (idempotency_key != nullptr) request->set("Idempotency-Key", *idempotency_key);
  request->keep_alive(true);
  request->body() = std::move(body);
  request->prepare_payload();
  return request;
}

void HttpSink::Write(std::span<const SinkAction* const> batch, WriteCallback done) {
  std::optional<StartedWrite<HttpAction>> started = BeginWrite<HttpAction>(
      batch, std::move(done), tracker_, strand_, settings_.batch_size, "an http sink");
  if (!started) return;
  const std::size_t count = started->actions.size();
  std::vector<const HttpAction*> actions = std::move(started->actions);
  // One outcome for the whole request: every action gets it.
  auto complete = [count, finish = std::move(started->complete)](const ActionResult& result) {
    finish(std::vector<ActionResult>(count, result));
  };

  // The request owns a copy of the bytes: a cancelled socket operation may still hold it after
  // the callback has let the caller free the actions.
  std::shared_ptr<const HttpRequest> request =
      settings_.batch_size > 1
          ? MakeRequest(settings_.url.base_path.empty() ? "/" : settings_.url.base_path,
                        BatchBody(actions), nullptr)
          : MakeRequest(actions.front()->target(), actions.front()->body(),
                        &actions.front()->idempotency_key());
  // A refusal (401/403) can be the record's only when the route's `path` chose the target.
  const bool target_from_record =
      settings_.batch_size == 1 &&
      request->target() != (settings_.url.base_path.empty() ? "/" : settings_.url.base_path);
  boost::asio::post(strand_, [client = client_, request, timeout = settings_.timeout, name = name_,
                              target_from_record, complete = std::move(complete)]() mutable {
    client->Submit(request, timeout,
                   [request, name = std::move(name), target_from_record,
                    complete = std::move(complete)](HttpExchangeResult exchange) {
                     ActionResult result =
                         ClassifyExchange(exchange, std::chrono::system_clock::now());
                     if (result.outcome == ActionOutcome::kRefused && !target_from_record) {
                       result.outcome = ActionOutcome::kFatal;
                     }
                     if (result.outcome != ActionOutcome::kApplied) {
                       // Status and path only: header values and bodies may hold secrets or PII.
                       spdlog::debug("http sink '{}': POST {}: {} ({})", name,
                                     std::string(request->target()), ToString(result.outcome),
                                     exchange.stage == NetStage::kDone
                                         ? "HTTP " + std::to_string(exchange.status)
                                         : std::string(HttpStageName(exchange.stage)) + ": " +
                                               exchange.error.message());
                     }
                     complete(result);
                   });
  });
}

void HttpSink::Close() {
  const bool first = tracker_->Close();
  if (first) boost::asio::post(strand_, [client = client_] { client->Abort(); });
  tracker_->WaitIdle();
}

}  // namespace

Result<std::unique_ptr<Sink>> CreateHttpSink(const SinkSpec& spec, SinkRuntime& runtime) {
  FANOUT_ASSIGN_OR_RETURN(HttpSinkSettings settings, ParseHttpSinkSettings(spec));
  FANOUT_ASSIGN_OR_RETURN(std::shared_ptr<const TlsContext> tls, TlsContext::Make(settings.tls));
  return std::unique_ptr<Sink>(
      std::make_unique<HttpSink>(spec.name, std::move(settings), std::move(tls), runtime));
}

Status RegisterHttpSink(SinkRegistry& registry) {
  return registry.Register(HttpSinkType(), CreateHttpSink);
}

}  // namespace fanout
