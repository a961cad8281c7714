#include "sinks/builtin.h"

#include "sinks/http/http_sink.h"

namespace fanout {

Status RegisterBuiltinSinks(SinkRegistry& registry) {
  FANOUT_RETURN_IF_ERROR(RegisterHttpSink(registry));
  return Status();
}

}  // namespace fanout
