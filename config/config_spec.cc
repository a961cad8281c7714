// The specification of fanout.yaml: its central keys, and the assembly with each sink type's
// own keys (sinks/<type>/spec.cc). Changing a key changes validation and docs/CONFIG.md together
// (run `make docs`; `make test` fails while docs/CONFIG.md is stale).
#include <algorithm>

#include "config/spec.h"

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout::config {
namespace {

using T = FieldType;

std::vector<FieldSpec> RetryFields() {
  return {
      {.name = "max_attempts",
       .type = T::kInteger,
       .description = "Attempts per action before `on_exhausted` applies (1 = no retry).",
       .default_value = "10",
       .min = 1,
       .max = 1000000},
      {.name = "backoff",
       .type = T::kDurationRange,
       .description = "Jittered exponential backoff between attempts: `initial..maximum`.",
       .default_value = "100ms..30s"},
      {.name = "max_elapsed",
       .type = T::kDuration,
       .description = "Give up (apply `on_exhausted`) once an action has been failing this long.",
       .default_value = "10m"},
  };
}

// The keys every route takes, whatever its sink; the keys of some sink types only come from
// their SinkTypeSpecs and are merged in before `retry` by ConfigSpec().
std::vector<FieldSpec> CommonRouteFields() {
  return {
      {.name = "name",
       .type = T::kString,
       .description = "Unique name; appears in metrics, logs and dead-letter headers.",
       .required = true},
      {.name = "from",
       .type = T::kTablePatternList,
       .description = "Source tables: `schema.table` (MySQL: `db.table`), a glob such as "
                      "`public.*`, or a `^regex` over the qualified name. Omitted: any table.",
       .example = "from: [public.customers, \"^public\\\\.order_.*\"]"},
      {.name = "topics",
       .type = T::kPatternList,
       .description =
           "Only events read from these topics (exact names or `^regex`). Omitted: any."},
      {.name = "ops",
       .type = T::kOpList,
       .description = "Operations to route: `c` `u` `d` `r` `t` `m` (or `create`, `update`, "
                      "`delete`, `read`, `truncate`, `message`).",
       .default_value = "[c, u, d, r]"},
      {.name = "when",
       .type = T::kPredicate,
       .description = "Condition on the event, e.g. `changed(email) and after.status in ('paid', "
                      "'shipped')`; grammar in processor/route/README.md."},
      {.name = "to",
       .type = T::kString,
       .description = "The sink (a name under `sinks:`).",
       .required = true},
      {.name = "include",
       .type = T::kStringList,
       .description = "Only these columns reach the sink (before `exclude` and `rename`)."},
      {.name = "exclude", .type = T::kStringList, .description = "Columns left out."},
      {.name = "rename",
       .type = T::kPropertyMap,
       .description = "Column renames, `source_name: target_name`."},
      {.name = "retry",
       .type = T::kObject,
       .description = "This route's retry policy; default: the top-level `retry`.",
       .children = RetryFields()},
      {.name = "dedup",
       .type = T::kObject,
       .description =
           "An idempotency-key store that keeps this route from delivering one change twice, "
           "for sinks without native idempotency (http): a change whose key (route, source "
           "position, op, table, row key) was delivered within `ttl` is answered as already "
           "applied and not sent again, Debezium's own re-emissions after its restart "
           "included. See dedup/README.md.",
       .children =
           {
               {.name = "store",
                .type = T::kString,
                .description = "A sink of type `redis` or `postgres` whose connection "
                               "(`url` and credentials, or `dsn`) holds the keys: Redis keys "
                               "`fanout:idempotency:<group.id>:<key>` with a TTL, or the "
                               "table `fanout_idempotency_keys` (created if missing).",
                .required = true},
               {.name = "ttl",
                .type = T::kDuration,
                .description = "How long a delivered change is remembered; a re-emission later "
                               "than this is delivered again. Keep it above how far back "
                               "Debezium may re-emit (its offset flush interval, plus outages).",
                .default_value = "7d"},
           },
       .example = "dedup: { store: cache, ttl: 7d }"},
      {.name = "on_exhausted",
       .type = T::kEnum,
       .description = "When retries run out: `dead_letter` the event, `block` the partition "
                      "(retrying forever), or `fail` (exit non-zero).",
       .default_value = "dead_letter",
       .values = {"dead_letter", "block", "fail"}},
  };
}

// Merges the keys several sink types declare: one FieldSpec per name (the first declaration),
// its sink_types naming every type that declares it.
void MergeSinkKeys(const FieldSpec& field, std::string_view type, std::vector<FieldSpec>* into) {
  for (FieldSpec& merged : *into) {
    if (merged.name == field.name) {
      merged.sink_types.push_back(type);
      return;
    }
  }
  into->push_back(field);
  into->back().sink_types = {type};
}

std::vector<FieldSpec> SinkFields(const SinkTypes& sink_types) {
  FieldSpec type{.name = "type",
                 .type = T::kEnum,
                 .description = "The kind of system this sink writes to.",
                 .required = true};
  std::vector<FieldSpec> fields;
  for (const SinkTypeSpec* sink : sink_types) {
    type.values.push_back(sink->type);
    for (const FieldSpec& field : sink->settings) MergeSinkKeys(field, sink->type, &fields);
  }
  fields.insert(fields.begin(), std::move(type));
  return fields;
}

std::vector<FieldSpec> RouteFields(const SinkTypes& sink_types) {
  std::vector<FieldSpec> fields = CommonRouteFields();
  auto retry = std::find_if(fields.begin(), fields.end(),
                            [](const FieldSpec& field) { return field.name == "retry"; });
  std::vector<FieldSpec> sink_keys;
  for (const SinkTypeSpec* sink : sink_types) {
    for (const FieldSpec& field : sink->route_keys) MergeSinkKeys(field, sink->type, &sink_keys);
  }
  fields.insert(retry, sink_keys.begin(), sink_keys.end());
  for (FieldSpec& field : fields) {
    if (field.name != "dedup") continue;
    for (const SinkTypeSpec* sink : sink_types) {
      if (sink->dedup) field.sink_types.push_back(sink->type);
    }
  }
  return fields;
}

}  // namespace

FieldSpec ConfigSpec(const SinkTypes& sink_types) {
  return {
      .name = "",
      .type = T::kObject,
      .description = "A fanout configuration file.",
      .children =
          {
              {.name = "version",
               .type = T::kInteger,
               .description = "Format version; must be 1.",
               .required = true,
               .min = 1,
               .max = 1},
              {.name = "kafka",
               .type = T::kPropertyMap,
               .description =
                   "librdkafka properties for the consumer (and producers), passed "
                   "through and checked by librdkafka. `bootstrap.servers` and `group.id` "
                   "are required; fanout manages offsets itself, so "
                   "`enable.auto.commit` and `enable.auto.offset.store` are rejected. "
                   "fanout's own defaults bound the consumer's prefetch per assigned "
                   "partition: `queued.max.messages.kbytes: 4096` and "
                   "`max.partition.fetch.bytes: 131072` (each partition holds up to that "
                   "queue plus one fetch, decompressed; docs/OPERATIONS.md).",
               .required = true,
               .example =
                   "kafka:\n  bootstrap.servers: 127.0.0.1:19092\n  group.id: fanout-inventory"},
              {.name = "source",
               .type = T::kObject,
               .description = "What to consume.",
               .required = true,
               .children = {{.name = "topics",
                             .type = T::kSubscriptionList,
                             .description = "Debezium topics: names, or regexes starting with `^`.",
                             .required = true}}},
              {.name = "processing",
               .type = T::kObject,
               .description = "How events are processed.",
               .children =
                   {
                       {.name = "guarantee",
                        .type = T::kEnum,
                        .description =
                            "`exactly_once`: Kafka sink output, dead letters and offsets "
                            "commit in one transaction; `at_least_once`: no transactions.",
                        .default_value = "exactly_once",
                        .values = {"exactly_once", "at_least_once"}},
                       {.name = "max_in_flight",
                        .type = T::kInteger,
                        .description =
                            "Events waiting for asynchronous sinks (HTTP, ...), over all "
                            "partitions; at this bound every partition pauses, and resumes "
                            "below half of it. A paused partition keeps what the consumer "
                            "prefetched (up to `queued.min.messages` / "
                            "`queued.max.messages.kbytes`), so pausing costs no refetch.",
                        .default_value = "10000",
                        .min = 1,
                        .max = 10000000},
                       {.name = "max_in_flight_bytes",
                        .type = T::kInteger,
                        .description =
                            "The same bound in bytes: the consumed records waiting for "
                            "asynchronous sinks, counted by their key, value and headers. Large "
                            "rows reach it long before `max_in_flight`. The actions built from "
                            "them hold about as much again (docs/OPERATIONS.md).",
                        .default_value = "33554432",
                        .min = 1048576,
                        .max = 1099511627776},
                       {.name = "max_in_flight_per_partition",
                        .type = T::kInteger,
                        .description = "The same bound for one partition: a partition whose "
                                       "sinks are slow pauses alone.",
                        .default_value = "5000",
                        .min = 1,
                        .max = 10000000},
                       {.name = "drain_timeout",
                        .type = T::kDuration,
                        .description =
                            "On revocation and shutdown, how long in-flight actions may take to "
                            "finish before their events are left to be read and done again.",
                        .default_value = "10s"},
                       {.name = "commit_interval",
                        .type = T::kDuration,
                        .description = "How often finished offsets are committed (with "
                                       "`exactly_once`: how long a transaction stays open; "
                                       "below 60s, the transaction timeout).",
                        .default_value = "1s"},
                       {.name = "reemitted_changes",
                        .type = T::kEnum,
                        .description =
                            "What Kafka and HTTP routes do with a change Debezium emits a second "
                            "time (after Kafka Connect restarts, at a new offset but with its "
                            "source position): `skip` it, recognised by a position below the "
                            "partition's highest, or equal with the same op and key; or "
                            "`deliver` it again. Snapshot rows are always delivered. See "
                            "docs/GUARANTEES.md.",
                        .default_value = "skip",
                        .values = {"skip", "deliver"}},
                       {.name = "max_batch",
                        .type = T::kInteger,
                        .description = "Records taken per poll.",
                        .default_value = "1000",
                        .min = 1,
                        .max = 100000},
                   }},
              {.name = "sinks",
               .type = T::kObjectMap,
               .description = "Named connections to the systems routes write to.",
               .children = SinkFields(sink_types),
               .example = "sinks:\n  cache: { type: redis, url: \"redis://127.0.0.1:16379/0\" }"},
              {.name = "routes",
               .type = T::kObjectList,
               .description =
                   "Rules from change events to sink actions. An event may match several "
                   "routes; an event no route matches is counted and finished.",
               .children = RouteFields(sink_types)},
              {.name = "dead_letter",
               .type = T::kObject,
               .description = "Where events that cannot be delivered go.",
               .children = {{.name = "topic",
                             .type = T::kString,
                             .description = "Dead-letter topic.",
                             .default_value = "fanout.dlq"},
                            {.name = "max_record_bytes",
                             .type = T::kInteger,
                             .description =
                                 "Largest dead letter (key, value and headers). A larger one is "
                                 "cut to fit (value first, then key, then the original headers) "
                                 "and says so in `fanout.truncated`, "
                                 "`fanout.original.<part>.bytes` and "
                                 "`fanout.original.<part>.sha256`; a cut dead letter cannot be "
                                 "replayed, its record stays in the source topic. Keep it under "
                                 "the dead-letter topic's `max.message.bytes` and the producer's "
                                 "`message.max.bytes` (both about 1 MB by default).",
                             .default_value = "900000",
                             .min = 4096,
                             .max = 1000000000}}},
              {.name = "retry",
               .type = T::kObject,
               .description = "Default retry policy of every route.",
               .children = RetryFields()},
              {.name = "logging",
               .type = T::kObject,
               .description = "Logs.",
               .children =
                   {
                       {.name = "level",
                        .type = T::kEnum,
                        .description = "`debug` logs every event (payloads included).",
                        .default_value = "info",
                        .values = {"trace", "debug", "info", "warn", "error"}},
                       {.name = "format",
                        .type = T::kEnum,
                        .description = "`json`: one JSON object per line (ts, level, msg); "
                                       "`text`: plain lines for a terminal; `auto`: JSON unless "
                                       "stderr is a terminal. `fanout run --log-format` "
                                       "overrides it.",
                        .default_value = "auto",
                        .values = {"auto", "json", "text"}},
                       {.name = "progress_interval",
                        .type = T::kDuration,
                        .description = "How often the progress line is logged.",
                        .default_value = "5s"},
                   }},
              {.name = "admin",
               .type = T::kObject,
               .description = "The admin HTTP endpoint: `/metrics` (Prometheus), `/healthz`, "
                              "`/readyz` (docs/OPERATIONS.md). On by default, on loopback.",
               .children =
                   {
                       {.name = "enabled",
                        .type = T::kBoolean,
                        .description = "Serve the admin endpoint.",
                        .default_value = "true"},
                       {.name = "listen",
                        .type = T::kString,
                        .description = "`host:port` (IPv6: `[::1]:9464`) to listen on; "
                                       "`0.0.0.0:9464` for a Prometheus outside the pod or "
                                       "host. Port 0 picks a free port (logged at start).",
                        .default_value = "127.0.0.1:9464"},
                   }},
          },
  };
}

std::string_view TypeName(FieldType type) {
  switch (type) {
    case T::kString:
      return "string";
    case T::kInteger:
      return "integer";
    case T::kBoolean:
      return "boolean";
    case T::kDuration:
      return "duration";
    case T::kDurationRange:
      return "duration range";
    case T::kEnum:
      return "enum";
    case T::kStringList:
      return "list of strings";
    case T::kPattern:
      return "pattern";
    case T::kPatternList:
      return "pattern or list of patterns";
    case T::kSubscriptionList:
      return "topic or list of topics";
    case T::kTablePatternList:
      return "table pattern or list of them";
    case T::kOpList:
      return "op or list of ops";
    case T::kTemplate:
      return "template";
    case T::kTemplateList:
      return "template or list of templates";
    case T::kPredicate:
      return "predicate";
    case T::kObject:
      return "mapping";
    case T::kObjectList:
      return "list of mappings";
    case T::kObjectMap:
      return "mapping of named mappings";
    case T::kPropertyMap:
      return "mapping of strings";
  }
  return "?";
}

}  // namespace fanout::config
