// The validated configuration of one fanout instance (docs/CONFIG.md describes every key).
#ifndef FANOUT_CONFIG_CONFIG_H_
#define FANOUT_CONFIG_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "processor/delivery/retry_policy.h"
#include "processor/route/route_spec.h"

namespace fanout::config {

// Where something was written in the YAML file; 1-based line and column (0 when unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// "file:line:col" (or "file" when the line is unknown).
std::string ToString(const SourceLocation& location);

struct KafkaProperty {
  std::string key;
  std::string value;  // after ${ENV} substitution; may hold a secret: never log it
  SourceLocation location;
};

struct SourceConfig {
  std::vector<std::string> topics;  // names, or regexes starting with '^'
};

// (key, value) pairs in the order written; values after ${ENV} substitution.
using Settings = std::vector<std::pair<std::string, std::string>>;

// transaction.timeout.ms of fanout's transactional producer.
inline constexpr std::chrono::milliseconds kTransactionTimeout{60000};

struct ProcessingConfig {
  bool exactly_once = true;  // guarantee: exactly_once | at_least_once
  std::size_t max_in_flight = 10000;
  std::size_t max_in_flight_per_partition = 5000;
  std::size_t max_in_flight_bytes = std::size_t{32} << 20;
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds commit_interval{1000};
  std::size_t max_batch = 1000;
  // reemitted_changes: skip (true) | deliver — Kafka and HTTP routes and Debezium's re-emissions.
  bool skip_reemitted = true;
};

struct SinkConfig {
  std::string name;
  std::string type;     // redis, elasticsearch, postgres, kafka, http
  Settings settings;    // scalar keys (url, dsn, timeout, ...); may hold secrets: never log
  Settings headers;     // http
  Settings properties;  // kafka producer properties
  SourceLocation location;
};

// A route's `dedup:`: the idempotency-key store (a redis or postgres sink, by name) that keeps
// the route from delivering one change twice, and how long a delivered change is remembered.
struct RouteDedupConfig {
  std::string store;
  std::chrono::milliseconds ttl{7LL * 24 * 3600 * 1000};
};

struct RouteConfig {
  RouteSpec spec;     // matching, predicate, projection, action templates
  Settings options;   // non-template sink options (delete_mode, table, value)
  RetryPolicy retry;  // the route's own policy merged over the top-level one
  SourceLocation location;
  std::optional<RouteDedupConfig> dedup;  // none: no idempotency-key store
};

struct DeadLetterConfig {
  std::string topic = "fanout.dlq";
  std::size_t max_record_bytes = 900000;  // larger dead letters are cut (dead_letter.h)
};

struct LoggingConfig {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "auto";  // auto (JSON unless stderr is a terminal), json, text
  std::chrono::milliseconds progress_interval{5000};
};

// The admin HTTP endpoint (/metrics, /healthz, /readyz); docs/OPERATIONS.md.
struct AdminConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:9464";
};

struct Config {
  int version = 1;
  std::vector<KafkaProperty> kafka;
  SourceConfig source;
  ProcessingConfig processing;
  std::vector<SinkConfig> sinks;
  std::vector<RouteConfig> routes;
  DeadLetterConfig dead_letter;
  RetryPolicy retry;  // the default of every route
  LoggingConfig logging;
  AdminConfig admin;

  const SinkConfig* FindSink(std::string_view name) const;
};

}  // namespace fanout::config

#endif  // FANOUT_CONFIG_CONFIG_H_
