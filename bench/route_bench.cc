// Decode + route throughput on one core for real captured Debezium PostgreSQL records
// (stack/capture.sh), with a realistic set of five routes: every record is decoded into one
// reused ChangeEvent, matched against the routes, and each matched route's actions are built
// (templates rendered, projection walked) — everything the engine does before a sink.
//
// Counters: items_per_second = events/s; allocs_per_event = operator new calls per event in the
// steady state (after a warm-up pass); routed_per_event = matched routes per event;
// bad_per_event = routes whose templates could not be filled (e.g. {before.email} on an update
// without a before image), which the engine treats as bad records for that route.
//
//   make bench BENCH_ARGS=--benchmark_filter=Route
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "processor/debezium/decoder.h"
#include "processor/route/router.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

std::vector<RouteSpec> BenchRoutes() {
  std::vector<RouteSpec> routes(5);
  routes[0].name = "customer-cache";  // invalidation from both images on update/delete
  routes[0].tables = {"public.customers"};
  routes[0].ops = {Op::kUpdate, Op::kDelete};
  routes[0].sink = "cache";
  routes[0].templates = {{"invalidate", "customer:{id}"},
                         {"invalidate", "customer:email:{before.email}"}};
  routes[1].name = "customer-search";  // an index mirror of every change, projected
  routes[1].tables = {"public.*"};
  routes[1].sink = "search";
  routes[1].projection.exclude = {"notes", "profile"};
  routes[1].projection.rename = {{"first_name", "given_name"}};
  routes[1].templates = {{"index", "{table}"}, {"id", "{key.id}"}};
  routes[2].name = "rich-customers";  // a predicate over values
  routes[2].tables = {"^public\\.cust.*"};
  routes[2].when = "after.balance > 1000 and (changed(email) or op == 'c')";
  routes[2].sink = "events";
  routes[2].templates = {{"topic", "customers.rich"}, {"key", "{id}"}};
  routes[3].name = "orders";  // never matches this data: the cost of a miss
  routes[3].tables = {"public.orders", "public.order_items"};
  routes[3].sink = "events";
  routes[3].templates = {{"topic", "orders"}};
  routes[4].name = "inventory-regex";  // a regex miss
  routes[4].tables = {"^inventory\\.(orders|products)"};
  routes[4].sink = "events";
  routes[4].templates = {{"topic", "inventory"}};
  return routes;
}

// What the engine does with a matched route before handing it to a sink.
Status BuildActions(const CompiledRoute& route, const std::vector<std::string_view>& names,
                    const ChangeEvent& event, std::string* scratch, std::size_t* columns) {
  for (std::string_view name : names) {
    for (const Template& t : route.Templates(name)) {
      scratch->clear();
      FANOUT_RETURN_IF_ERROR(t.Render(event, scratch));
    }
  }
  if (event.after) {
    route.projection().ForEach(*event.after, [&](std::string_view, const Value&) { ++*columns; });
  }
  return Status();
}

void BM_DecodeRoute(benchmark::State& state, const std::string& prefix) {
  std::string error;
  std::vector<testing::CapturedRecord> records =
      testing::ReadCapturedRecords(std::string(FANOUT_TEST_DATA_DIR) + "/debezium/postgres/" +
                                       prefix + ".public.customers.jsonl",
                                   &error);
  std::vector<KafkaRecordView> views;
  for (const auto& record : records) views.push_back(record.View());
  Result<Router> router = Router::Create(BenchRoutes());
  if (views.empty() || !router.ok()) {
    state.SkipWithError(router.ok() ? "no captured records" : router.status().ToString().c_str());
    return;
  }
  std::vector<std::vector<std::string_view>> names;
  for (const CompiledRoute& route : router->routes()) names.push_back(route.TemplateNames());

  DebeziumDecoder decoder;
  ChangeEvent event;
  std::vector<const CompiledRoute*> matched;
  std::string scratch;
  std::size_t columns = 0;
  std::uint64_t routed = 0;
  std::uint64_t bad = 0;
  auto process = [&](const KafkaRecordView& view) {
    if (!decoder.Decode(view, &event).ok()) return false;
    router->Match(event, &matched);
    for (const CompiledRoute* route : matched) {
      auto index = static_cast<std::size_t>(route - router->routes().data());
      if (BuildActions(*route, names[index], event, &scratch, &columns).ok()) {
        ++routed;
      } else {
        ++bad;
      }
    }
    return true;
  };
  for (const auto& view : views) {  // warm-up: parser buffers, schema plans, scratch storage
    if (!process(view)) {
      state.SkipWithError("decode failed");
      return;
    }
  }
  routed = 0;
  bad = 0;
  std::size_t i = 0;
  const std::uint64_t allocations_before = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(process(views[i]));
    if (++i == views.size()) i = 0;
  }
  const auto events = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_event"] =
      static_cast<double>(bench::AllocationCount() - allocations_before) / events;
  state.counters["routed_per_event"] = static_cast<double>(routed) / events;
  state.counters["bad_per_event"] = static_cast<double>(bad) / events;
  benchmark::DoNotOptimize(columns);
}

BENCHMARK_CAPTURE(BM_DecodeRoute, with_schema, std::string("capschema"));
BENCHMARK_CAPTURE(BM_DecodeRoute, without_schema, std::string("capnoschema"));

}  // namespace
}  // namespace fanout
