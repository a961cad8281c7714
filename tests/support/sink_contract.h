// The shared sink contract suite's seam (tests/integration/sink_contract_test.cc): every
// asynchronous sink (processor/sink/sink.h) is run through the same tests against its real
// server. A sink type joins the suite with one small ContractTarget class (see the
// *_contract_target.cc files) and one line in the suite's INSTANTIATE_TEST_SUITE_P.
//
// The contract's table is public.items (id int primary key, name text, qty int). Events are made
// in-process with PostgreSQL source positions (commit-ordered version, see ItemUpsert); each
// test uses a target of its own (its own key prefix, index or receiver), so tests never see each
// other's data.
#ifndef FANOUT_TESTS_SUPPORT_SINK_CONTRACT_H_
#define FANOUT_TESTS_SUPPORT_SINK_CONTRACT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/status.h"
#include "processor/route/route_spec.h"
#include "sinks/sink.h"

namespace fanout::testing {

// One sink type under the contract, with its own server-side namespace for one test.
// The suite calls it from the test thread only.
class ContractTarget {
 public:
  using Options = std::vector<std::pair<std::string, std::string>>;

  virtual ~ContractTarget() = default;  // removes what the test wrote

  // The real server (what the suite's TcpProxy forwards to).
  virtual std::string upstream_host() const = 0;
  virtual std::uint16_t upstream_port() const = 0;

  // A sink of this type that reaches the server at `address` ("127.0.0.1:<port>", the proxy).
  virtual Result<std::unique_ptr<Sink>> MakeSink(const std::string& address,
                                                 SinkRuntime& runtime) = 0;
  // The route the suite binds (name, sink, templates); `options` gets its sink options.
  virtual RouteSpec Route(Options* options) const = 0;

  // The `name` column of what the server holds for item `id`, or nullopt when it holds none.
  virtual std::optional<std::string> StoredName(int id) = 0;

  // Makes the next write of item `id` a bad record (the server refuses it, the sink can never
  // apply it), leaving every other id alone. May change the server (a key of the wrong type)
  // and/or the row about to be written (a value the index mapping refuses).
  virtual void PrepareBadRecord(int id, Row* row) = 0;

  // Whether the sink itself refuses a change older than what the server holds (a version
  // guard: Redis, OpenSearch). A sink without one recognizes replays otherwise -- HTTP by a
  // stable idempotency key the receiver deduplicates, PostgreSQL (no version column) by its
  // processed offsets: then "an older version never overwrites a newer one" holds for replays
  // of changes already delivered, not for a change that arrives late for the first time.
  virtual bool guards_versions() const = 0;

  // What a guarding sink answers for a change older than what the server holds: kAlreadyApplied
  // when the server tells (Redis, OpenSearch), kApplied when it takes the row and its read view
  // keeps the newer one (ClickHouse's ReplacingMergeTree, read with FINAL).
  virtual ActionOutcome stale_write_outcome() const { return ActionOutcome::kAlreadyApplied; }
};

// Makes the target for the running test; `test_name` is unique per test and process.
using ContractTargetFactory =
    std::function<std::unique_ptr<ContractTarget>(const std::string& test_name)>;

struct ContractSinkType {
  std::string name;  // the parameter's name in test names: "Redis", "OpenSearch", "Http"
  ContractTargetFactory make;
};

// Test names print the type's name, not its bytes.
inline void PrintTo(const ContractSinkType& type, std::ostream* out) { *out << type.name; }

std::unique_ptr<ContractTarget> MakeRedisContractTarget(const std::string& test_name);
std::unique_ptr<ContractTarget> MakeOpenSearchContractTarget(const std::string& test_name);
std::unique_ptr<ContractTarget> MakeHttpContractTarget(const std::string& test_name);
std::unique_ptr<ContractTarget> MakePostgresContractTarget(const std::string& test_name);
std::unique_ptr<ContractTarget> MakeClickHouseContractTarget(const std::string& test_name);

// ----------------------------------------------------------------------- the contract's events

// public.items row.
Row ItemRow(int id, const std::string& name, std::int64_t qty = 1);

// A change of public.items at commit-ordered PostgreSQL position (version, version): a larger
// version is a later change.
ChangeEvent ItemChange(Op op, std::optional<Row> before, std::optional<Row> after,
                       std::uint64_t version);
// An update (op u, after image only) of item `id` setting name to `name`.
ChangeEvent ItemUpsert(int id, const std::string& name, std::uint64_t version);
// A delete (op d, before image: the key only) of item `id`.
ChangeEvent ItemDelete(int id, std::uint64_t version);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_SINK_CONTRACT_H_
