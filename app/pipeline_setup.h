// The DecodeHandler (processor/pipeline) wired from the config: its options, what each route's
// sink type asks of it, and the routes to Kafka sinks bound to their record builders. The
// routes to asynchronous sinks are bound by AsyncSinks.
#ifndef FANOUT_APP_PIPELINE_SETUP_H_
#define FANOUT_APP_PIPELINE_SETUP_H_

#include "config/config.h"
#include "processor/pipeline/decode_handler.h"
#include "processor/route/router.h"

namespace fanout {

// The dead-letter topic and bound, processing.reemitted_changes, and per route of `router`: its
// sink skips re-emissions (kafka, http) or keys processed offsets by the consumed record
// (postgres).
DecodeHandlerOptions DecodeHandlerOptionsFor(const config::Config& config, const Router& router);

// Binds every route of `router` to a `kafka` sink into `handler`, with its `value:` option.
void BindKafkaRoutes(const config::Config& config, const Router& router, DecodeHandler* handler);

}  // namespace fanout

#endif  // FANOUT_APP_PIPELINE_SETUP_H_
