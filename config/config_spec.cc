// The specification of fanout.yaml. Changing a key here changes validation and docs/CONFIG.md
// together (run `make docs`; `make test` fails while docs/CONFIG.md is stale).
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

std::vector<FieldSpec> SinkFields() {
  return {
      {.name = "type",
       .type = T::kEnum,
       .description = "The kind of system this sink writes to.",
       .required = true,
       .values = {"redis", "elasticsearch", "postgres", "kafka", "http"}},
      {.name = "url",
       .type = T::kString,
       .description = "Where the server is: `redis://[user:password@]host:port/db` "
                      "(`rediss://` for TLS), or `http://host:port[/path]` for "
                      "Elasticsearch/OpenSearch and HTTP (`https://` for TLS; see the `tls_*` "
                      "settings).",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "dsn",
       .type = T::kString,
       .description = "libpq connection string or URI of the target database "
                      "(`host=... dbname=... user=...` or `postgresql://user@host:port/db`); "
                      "use `${ENV}` for the password. Never logged.",
       .secret = true,
       .sink_types = {"postgres"}},
      {.name = "offsets_table",
       .type = T::kString,
       .description = "`[schema.]name` of the processed-offsets table the postgres sink "
                      "writes in every transaction (created automatically, beside "
                      "`<name>_rejected`); see sinks/postgres/README.md.",
       .default_value = "fanout_processed_offsets",
       .sink_types = {"postgres"}},
      {.name = "auto_evolve",
       .type = T::kBoolean,
       .description = "Add a column the target table lacks (`ALTER TABLE ... ADD COLUMN`, "
                      "nullable) when an event carries it.",
       .default_value = "false",
       .sink_types = {"postgres"}},
      {.name = "on_schema_drift",
       .type = T::kEnum,
       .description = "With `auto_evolve` off, an event with a column the target lacks is "
                      "dead-lettered, or stops fanout (`fail`).",
       .default_value = "dead_letter",
       .values = {"dead_letter", "fail"},
       .sink_types = {"postgres"}},
      {.name = "username",
       .type = T::kString,
       .description = "User name (Redis ACL, HTTP basic auth).",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "password",
       .type = T::kString,
       .description = "Password; use `${ENV}`.",
       .secret = true,
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "api_key",
       .type = T::kString,
       .description = "Elasticsearch API key (`Authorization: ApiKey ...`); use `${ENV}`.",
       .secret = true,
       .sink_types = {"elasticsearch"}},
      {.name = "tls_ca_file",
       .type = T::kString,
       .description = "PEM file of the certificate authorities that TLS servers are verified "
                      "against (`rediss://`, `https://` urls only). Default: the system's trust "
                      "store.",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "tls_verify",
       .type = T::kBoolean,
       .description = "Whether the server's certificate must chain to a trusted CA and name the "
                      "host. `false` accepts any certificate (test servers only; fanout warns at "
                      "startup).",
       .default_value = "true",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "tls_server_name",
       .type = T::kString,
       .description = "The name sent as SNI and checked against the certificate. Default: the "
                      "url's host.",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "tls_cert_file",
       .type = T::kString,
       .description = "Client certificate (PEM) for servers that require mutual TLS; needs "
                      "`tls_key_file`.",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "tls_key_file",
       .type = T::kString,
       .description = "Private key (PEM) of `tls_cert_file`.",
       .sink_types = {"redis", "elasticsearch", "http"}},
      {.name = "headers",
       .type = T::kPropertyMap,
       .description = "Extra HTTP request headers.",
       .sink_types = {"http"}},
      {.name = "timeout",
       .type = T::kDuration,
       .description = "Per-request timeout.",
       .default_value = "10s",
       .sink_types = {"redis", "elasticsearch", "postgres", "http"}},
      {.name = "pool_size",
       .type = T::kInteger,
       .description = "Connections kept open.",
       .default_value = "4",
       .min = 1,
       .max = 256,
       .sink_types = {"redis", "elasticsearch", "postgres", "http"}},
      {.name = "tombstone_ttl",
       .type = T::kDuration,
       .description = "How long a deleted row's version is kept (`<key>:fanout:version`), so "
                      "that a replayed older upsert cannot bring the row back; see "
                      "sinks/redis/README.md.",
       .default_value = "24h",
       .sink_types = {"redis"}},
      {.name = "batch_size",
       .type = T::kInteger,
       .description = "Most actions sent in one request (pipeline, `_bulk`, transaction, POST). "
                      "For `http` the default is 1: one event per request; above 1, a POST "
                      "carries a JSON array (see sinks/http/README.md).",
       .default_value = "500",
       .min = 1,
       .max = 100000},
      {.name = "properties",
       .type = T::kPropertyMap,
       .description =
           "librdkafka producer properties, on top of `kafka:`. All kafka sinks share "
           "one producer per instance (one transaction), so their properties are merged.",
       .sink_types = {"kafka"}},
  };
}

std::vector<FieldSpec> RouteFields() {
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
      {.name = "invalidate",
       .type = T::kTemplateList,
       .description = "Redis keys to delete, rendered from the before and the after image (a "
                      "changed e-mail invalidates the old and the new key).",
       .sink_types = {"redis"},
       .example = "invalidate: [\"customer:{id}\", \"customer:email:{email}\"]"},
      {.name = "upsert",
       .type = T::kTemplate,
       .description = "Redis key the projected row is written to (guarded by source version).",
       .sink_types = {"redis"}},
      {.name = "format",
       .type = T::kEnum,
       .description = "How `upsert` stores the row: a JSON string, or a hash of its columns.",
       .default_value = "json",
       .values = {"json", "hash"},
       .sink_types = {"redis"}},
      {.name = "publish",
       .type = T::kTemplate,
       .description = "Redis channel an invalidation message is published on.",
       .sink_types = {"redis"}},
      {.name = "index",
       .type = T::kTemplate,
       .description = "Target index.",
       .sink_types = {"elasticsearch"}},
      {.name = "id",
       .type = T::kTemplate,
       .description = "Document `_id`; default: the row key (`{key.<col>}` joined by `:`).",
       .sink_types = {"elasticsearch"}},
      {.name = "delete_mode",
       .type = T::kEnum,
       .description = "`hard`: versioned delete; `soft`: a versioned `_deleted: true` flag.",
       .default_value = "hard",
       .values = {"hard", "soft"},
       .sink_types = {"elasticsearch"}},
      {.name = "decimals",
       .type = T::kEnum,
       .description = "How exact decimals are written into documents: as JSON strings (exact, "
                      "the default) or as JSON numbers (a float mapping may round them).",
       .default_value = "string",
       .values = {"string", "number"},
       .sink_types = {"elasticsearch"}},
      {.name = "table",
       .type = T::kString,
       .description = "Target `[schema.]table` (it must exist); default: the source's "
                      "`schema.table`.",
       .sink_types = {"postgres"}},
      {.name = "mode",
       .type = T::kEnum,
       .description = "`upsert`: mirror rows by key (c/u/r upsert, d delete); `append`: one "
                      "new row per change (an audit trail) with `op_column` and "
                      "`position_column`.",
       .default_value = "upsert",
       .values = {"upsert", "append"},
       .sink_types = {"postgres"}},
      {.name = "version_column",
       .type = T::kString,
       .description = "`mode: upsert`: a `numeric` column holding the source version of the "
                      "change that wrote the row; an older change never overwrites or deletes "
                      "a newer row.",
       .sink_types = {"postgres"}},
      {.name = "truncate",
       .type = T::kBoolean,
       .description = "`mode: upsert`: a truncate event (`t`, route it with `ops`) empties "
                      "the target table.",
       .default_value = "false",
       .sink_types = {"postgres"}},
      {.name = "op_column",
       .type = T::kString,
       .description = "`mode: append`: the column receiving the op (c, u, d, r, t).",
       .default_value = "fanout_op",
       .sink_types = {"postgres"}},
      {.name = "position_column",
       .type = T::kString,
       .description = "`mode: append`: the column receiving the source position "
                      "(`pg:<commit_lsn>:<lsn>`).",
       .default_value = "fanout_position",
       .sink_types = {"postgres"}},
      {.name = "topic",
       .type = T::kTemplate,
       .description = "Target topic.",
       .sink_types = {"kafka"}},
      {.name = "key",
       .type = T::kTemplate,
       .description = "Record key; default: the source record's key.",
       .sink_types = {"kafka"}},
      {.name = "value",
       .type = T::kEnum,
       .description = "What the record carries: the projected after-image, or the whole event.",
       .default_value = "after",
       .values = {"after", "envelope"},
       .sink_types = {"kafka", "http"}},
      {.name = "path",
       .type = T::kTemplate,
       .description = "Request path appended to the sink's URL. Each placeholder's value is "
                      "percent-encoded as one path segment (`/ ? # & %` included); a value `.` "
                      "or `..` is a bad record.",
       .sink_types = {"http"}},
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
       .sink_types = {"redis", "elasticsearch", "postgres", "http"},
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

FieldSpec MakeConfigSpec() {
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
                   "`enable.auto.commit` and `enable.auto.offset.store` are rejected.",
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
                        .default_value = "67108864",
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
               .children = SinkFields(),
               .example = "sinks:\n  cache: { type: redis, url: \"redis://127.0.0.1:16379/0\" }"},
              {.name = "routes",
               .type = T::kObjectList,
               .description =
                   "Rules from change events to sink actions. An event may match several "
                   "routes; an event no route matches is counted and finished.",
               .children = RouteFields()},
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

}  // namespace

const FieldSpec& ConfigSpec() {
  static const FieldSpec spec = MakeConfigSpec();
  return spec;
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
