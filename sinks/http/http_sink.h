// The HTTP sink (`type: http`): POSTs each route's actions as JSON to one HTTP/1.1 server over
// a pool of keep-alive connections, with an Idempotency-Key per action (at least once,
// deduplicated by the receiver: docs/ARCHITECTURE.md#guarantees). Semantics, settings and error
// classes: README.md here.
#ifndef FANOUT_SINKS_HTTP_HTTP_SINK_H_
#define FANOUT_SINKS_HTTP_HTTP_SINK_H_

#include <memory>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// Creates an HTTP sink running on `runtime` (which must outlive it). InvalidArgument names the
// setting at fault (see ParseHttpSinkSettings); no connection is made until Start or Write.
Result<std::unique_ptr<Sink>> CreateHttpSink(const SinkSpec& spec, SinkRuntime& runtime);

// Registers CreateHttpSink with the "http" spec (sinks/http/spec.h).
Status RegisterHttpSink(SinkRegistry& registry);

}  // namespace fanout

#endif  // FANOUT_SINKS_HTTP_HTTP_SINK_H_
