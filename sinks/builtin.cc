#include "sinks/builtin.h"

#include "sinks/clickhouse/clickhouse_sink.h"
#include "sinks/elasticsearch/elasticsearch_sink.h"
#include "sinks/http/http_sink.h"
#include "sinks/kafka/spec.h"
#include "sinks/postgres/postgres_sink.h"
#include "sinks/redis/redis_sink.h"

namespace fanout {

Status RegisterBuiltinSinks(SinkRegistry& registry) {
  // In the order docs/CONFIG.md and error messages list the types.
  FANOUT_RETURN_IF_ERROR(RegisterRedisSink(registry));
  FANOUT_RETURN_IF_ERROR(RegisterElasticsearchSink(registry));
  FANOUT_RETURN_IF_ERROR(RegisterPostgresSink(registry));
  FANOUT_RETURN_IF_ERROR(registry.Register(KafkaSinkType(), nullptr));
  FANOUT_RETURN_IF_ERROR(RegisterHttpSink(registry));
  FANOUT_RETURN_IF_ERROR(RegisterClickHouseSink(registry));
  return Status();
}

config::SinkTypes BuiltinSinkTypes() {
  SinkRegistry registry;
  // Registering the built-in types into an empty registry cannot fail (each type once).
  (void)RegisterBuiltinSinks(registry);
  return registry.types();
}

}  // namespace fanout
