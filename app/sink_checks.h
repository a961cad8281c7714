// What `fanout run` would refuse about the sinks and routes of a config that the config's own
// validation cannot see: every sink's settings parser (its factory: url, dsn, headers,
// credentials, TLS files; for kafka sinks, librdkafka's check of the producer properties) and
// every route's binding to its sink (table, index, path, value options). What a sink's spec
// can say (ranges, durations, enums, unknown keys) the config's own validation reports at the
// value's line and column; these at the sink's or the route's. Nothing connects and no code
// named by the config is loaded.
#ifndef FANOUT_APP_SINK_CHECKS_H_
#define FANOUT_APP_SINK_CHECKS_H_

#include <vector>

#include "config/config.h"
#include "config/loader.h"

namespace fanout {

// One error per refused sink or route, at its place in the file. Messages name settings, never
// their values (which may be secrets).
std::vector<config::ConfigError> CheckSinksAndRoutes(const config::Config& config);

}  // namespace fanout

#endif  // FANOUT_APP_SINK_CHECKS_H_
