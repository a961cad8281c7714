// The Elasticsearch/OpenSearch sink under the shared contract: each item is a document of the
// test's own index (`fanout-contract-<test>`), versioned by its source position; a bad record is
// a row whose `qty` the index maps as an integer but which holds text (mapper_parsing_exception).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>

#include "sinks/elasticsearch/elasticsearch_sink.h"
#include "tests/support/opensearch.h"
#include "tests/support/sink_contract.h"

namespace fanout::testing {
namespace {

class OpenSearchContractTarget : public ContractTarget {
 public:
  explicit OpenSearchContractTarget(const std::string& test_name) : index_("fanout-contract-") {
    for (char c : test_name) {
      index_ += std::isalnum(static_cast<unsigned char>(c))
                    ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                    : '-';
    }
    const HttpReply created =
        client_.Call("PUT", "/" + index_,
                     R"({"settings":{"number_of_replicas":0},)"
                     R"("mappings":{"properties":{"qty":{"type":"integer"}}}})");
    EXPECT_EQ(created.status, 200u) << created.body;
  }

  ~OpenSearchContractTarget() override {
    (void)client_.Call("DELETE", "/" + index_ + "?ignore_unavailable=true");
  }

  std::string upstream_host() const override { return client_.host(); }
  std::uint16_t upstream_port() const override { return client_.port(); }

  Result<std::unique_ptr<Sink>> MakeSink(const std::string& address,
                                         SinkRuntime& runtime) override {
    return CreateElasticsearchSink(
        SinkSpec{"search",
                 "elasticsearch",
                 {{"url", "http://" + address}, {"timeout", "10s"}, {"pool_size", "2"}},
                 {}},
        runtime);
  }

  RouteSpec Route(Options* options) const override {
    options->clear();
    RouteSpec spec;
    spec.name = "items-search";
    spec.sink = "search";
    spec.templates = {{"index", index_}};
    return spec;
  }

  std::optional<std::string> StoredName(int id) override {
    std::optional<std::string> source = client_.Source(index_, std::to_string(id));
    if (!source) return std::nullopt;
    simdjson::dom::parser parser;
    std::string_view name;
    if (parser.parse(*source)["name"].get(name) != simdjson::SUCCESS) {
      ADD_FAILURE() << index_ << "/" << id << " holds no item: " << *source;
      return std::nullopt;
    }
    return std::string(name);
  }

  void PrepareBadRecord(int, Row* row) override {
    for (auto& column : *row) {
      if (column.name == "qty") column.value = Value::String("not a number");
    }
  }

  bool guards_versions() const override { return true; }

 private:
  OpenSearchClient client_;
  std::string index_;
};

}  // namespace

std::unique_ptr<ContractTarget> MakeOpenSearchContractTarget(const std::string& test_name) {
  return std::make_unique<OpenSearchContractTarget>(test_name);
}

}  // namespace fanout::testing
