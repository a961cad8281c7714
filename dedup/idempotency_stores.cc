#include "dedup/idempotency_stores.h"

#include <spdlog/spdlog.h>

#include <future>

namespace fanout {

Result<IdempotencyStore*> IdempotencyStores::Get(const SinkSpec& spec) {
  for (auto& [name, store] : stores_) {
    if (name == spec.name) return store.get();
  }
  Result<std::unique_ptr<IdempotencyStore>> created = CreateIdempotencyStore(spec, key_prefix_);
  if (!created.ok()) {
    return InvalidArgument("dedup.store '" + spec.name +
                           "': " + std::string(created.status().message()));
  }
  IdempotencyStore* store = created->get();
  stores_.emplace_back(spec.name, std::move(created).value());
  worker_.PurgeEvery(store);
  return store;
}

Status IdempotencyStores::Start() {
  for (auto& [name, store] : stores_) {
    // On the worker, like every call of a store; Start blocks here until it is done.
    std::promise<Status> started;
    std::future<Status> result = started.get_future();
    IdempotencyStore* target = store.get();
    if (!worker_.Post([target, &started] { started.set_value(target->Start()); })) {
      return FailedPrecondition("the idempotency worker is stopped");
    }
    Status status = result.get();
    if (status.code() == StatusCode::kUnavailable ||
        status.code() == StatusCode::kDeadlineExceeded) {
      spdlog::warn("idempotency store in sink '{}': {}; deduplicated routes wait until it is back",
                   name, status.ToString());
      continue;
    }
    if (!status.ok()) {
      return Status(status.code(),
                    "idempotency store in sink '" + name + "': " + std::string(status.message()));
    }
    spdlog::info("idempotency store in sink '{}' ({}): ready", name, store->type());
  }
  return Status();
}

}  // namespace fanout
