// The Elasticsearch/OpenSearch sink's part of the configuration: its settings and its route
// keys, with their ranges and defaults. Validation, ParseElasticsearchSinkSettings and
// docs/CONFIG.md all read it.
#ifndef FANOUT_SINKS_ELASTICSEARCH_SPEC_H_
#define FANOUT_SINKS_ELASTICSEARCH_SPEC_H_

#include <cstddef>

#include "config/spec.h"

namespace fanout {

// Most actions one `_bulk` request may carry. The response names every item, and the HTTP
// client reads at most 1 MiB of it (sinks/net/http_connection.h); 10000 items keep even a response
// of short per-item errors within that. Elasticsearch itself advises bulks of a few MB.
inline constexpr std::size_t kMaxElasticsearchBatch = 10000;

const config::SinkTypeSpec& ElasticsearchSinkType();

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_SPEC_H_
