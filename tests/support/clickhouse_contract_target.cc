// The ClickHouse sink under the shared contract: items are rows of a ReplacingMergeTree(_version)
// table of the test's own, read back through `FINAL WHERE NOT _deleted` -- the view in which the
// sink is exactly once. A bad record is a `qty` that holds text (ClickHouse code 27). The version
// guard is the engine's: a late older change is inserted (kApplied) and loses in the FINAL view.
#include <gtest/gtest.h>

#include <cctype>

#include "sinks/clickhouse/clickhouse_sink.h"
#include "tests/support/clickhouse.h"
#include "tests/support/sink_contract.h"

namespace fanout::testing {
namespace {

class ClickHouseContractTarget : public ContractTarget {
 public:
  explicit ClickHouseContractTarget(const std::string& test_name) : table_("contract_") {
    for (char c : test_name) {
      table_ += std::isalnum(static_cast<unsigned char>(c))
                    ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                    : '_';
    }
    client_.Must("DROP TABLE IF EXISTS " + table_);
    client_.Must("CREATE TABLE " + table_ +
                 " (id Int32, name String, qty Nullable(Int64), _version UInt64, _deleted UInt8)"
                 " ENGINE = ReplacingMergeTree(_version) ORDER BY id");
  }

  ~ClickHouseContractTarget() override { (void)client_.Query("DROP TABLE IF EXISTS " + table_); }

  std::string upstream_host() const override { return client_.host(); }
  std::uint16_t upstream_port() const override { return client_.port(); }

  Result<std::unique_ptr<Sink>> MakeSink(const std::string& address,
                                         SinkRuntime& runtime) override {
    return CreateClickHouseSink(
        SinkSpec{"warehouse",
                 "clickhouse",
                 {{"url", "http://" + address}, {"timeout", "10s"}, {"pool_size", "2"}},
                 {}},
        runtime);
  }

  RouteSpec Route(Options* options) const override {
    *options = {{"table", table_}};
    RouteSpec spec;
    spec.name = "items-warehouse";
    spec.sink = "warehouse";
    return spec;
  }

  std::optional<std::string> StoredName(int id) override {
    const HttpReply reply =
        client_.Query("SELECT name FROM " + table_ + " FINAL WHERE id = " + std::to_string(id) +
                      " AND NOT _deleted FORMAT JSONEachRow");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    if (reply.body.empty()) return std::nullopt;
    const std::size_t start = reply.body.find(":\"") + 2;
    return reply.body.substr(start, reply.body.rfind('"') - start);
  }

  void PrepareBadRecord(int, Row* row) override {
    for (Column& column : *row) {
      if (column.name == "qty") column.value = Value::String("not a number");
    }
  }

  bool guards_versions() const override { return true; }
  ActionOutcome stale_write_outcome() const override { return ActionOutcome::kApplied; }

 private:
  ClickHouseClient client_;
  std::string table_;
};

}  // namespace

std::unique_ptr<ContractTarget> MakeClickHouseContractTarget(const std::string& test_name) {
  return std::make_unique<ClickHouseContractTarget>(test_name);
}

}  // namespace fanout::testing
