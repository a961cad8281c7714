// The HTTP sink under the shared contract, against an in-process receiver that does what the
// sink's README asks of one: it remembers the Idempotency-Key of every change it processed and
// answers a repeat 200 without applying it again. Its state is a map id → name. A bad record is
// an id the receiver refuses with 422.
//
// HTTP has no version guard (guards_versions() is false): what the contract checks instead is
// that a replayed change carries the key of its first delivery, so the receiver skips it and a
// replay of an older change cannot overwrite a newer one.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <mutex>
#include <set>

#include "sinks/http/http_sink.h"
#include "tests/support/http_test_server.h"
#include "tests/support/sink_contract.h"

namespace fanout::testing {
namespace {

// What the receiver has processed. Guarded by `mutex`: the server's thread writes, the test's
// reads.
struct ReceiverState {
  std::mutex mutex;
  std::set<std::string> processed_keys;
  std::map<std::int64_t, std::string> names;
  std::set<std::int64_t> refused_ids;
};

ScriptedResponse Receive(ReceiverState& state, const ReceivedRequest& request) {
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  std::string_view key;
  std::int64_t id = 0;
  if (parser.parse(request.body).get(body) != simdjson::SUCCESS ||
      body["idempotency_key"].get(key) != simdjson::SUCCESS ||
      body["key"]["id"].get(id) != simdjson::SUCCESS) {
    return {.status = 400, .body = "not a change"};
  }
  if (request.Header("Idempotency-Key") != key) {
    return {.status = 400, .body = "Idempotency-Key header differs from the body's"};
  }
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.processed_keys.contains(std::string(key))) return {.status = 200, .body = "duplicate"};
  if (state.refused_ids.contains(id)) return {.status = 422, .body = "item refused"};
  simdjson::dom::element after;
  if (body["after"].get(after) != simdjson::SUCCESS) return {.status = 400, .body = "no after"};
  if (after.is_null()) {
    state.names.erase(id);
  } else {
    std::string_view name;
    if (after["name"].get(name) != simdjson::SUCCESS) return {.status = 400, .body = "no name"};
    state.names[id] = std::string(name);
  }
  state.processed_keys.insert(std::string(key));
  return {.status = 200, .body = "processed"};
}

class HttpContractTarget : public ContractTarget {
 public:
  HttpContractTarget() {
    server_.SetResponder(
        [this](const ReceivedRequest& request) { return Receive(state_, request); });
  }
  ~HttpContractTarget() override { server_.Stop(); }

  std::string upstream_host() const override { return "127.0.0.1"; }
  std::uint16_t upstream_port() const override { return server_.port(); }

  Result<std::unique_ptr<Sink>> MakeSink(const std::string& address,
                                         SinkRuntime& runtime) override {
    return CreateHttpSink(
        SinkSpec{"receiver",
                 "http",
                 {{"url", "http://" + address + "/cdc"}, {"timeout", "5s"}, {"pool_size", "2"}},
                 {}},
        runtime);
  }

  RouteSpec Route(Options* options) const override {
    options->clear();
    RouteSpec spec;
    spec.name = "items-http";
    spec.sink = "receiver";
    return spec;
  }

  std::optional<std::string> StoredName(int id) override {
    std::lock_guard<std::mutex> lock(state_.mutex);
    auto found = state_.names.find(id);
    if (found == state_.names.end()) return std::nullopt;
    return found->second;
  }

  void PrepareBadRecord(int id, Row*) override {
    std::lock_guard<std::mutex> lock(state_.mutex);
    state_.refused_ids.insert(id);
  }

  bool guards_versions() const override { return false; }

 private:
  ReceiverState state_;  // outlives server_ (declared first), which calls into it
  HttpTestServer server_;
};

}  // namespace

std::unique_ptr<ContractTarget> MakeHttpContractTarget(const std::string&) {
  return std::make_unique<HttpContractTarget>();
}

}  // namespace fanout::testing
