#include "sinks/builtin.h"

#include "sinks/elasticsearch/elasticsearch_sink.h"
#include "sinks/http/http_sink.h"
#include "sinks/postgres/postgres_sink.h"
#include "sinks/redis/redis_sink.h"

namespace fanout {

Status RegisterBuiltinSinks(SinkRegistry& registry) {
  FANOUT_RETURN_IF_ERROR(RegisterHttpSink(registry));
  FANOUT_RETURN_IF_ERROR(RegisterRedisSink(registry));
  FANOUT_RETURN_IF_ERROR(RegisterElasticsearchSink(registry));
  FANOUT_RETURN_IF_ERROR(RegisterPostgresSink(registry));
  return Status();
}

}  // namespace fanout
