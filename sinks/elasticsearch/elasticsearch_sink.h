// The Elasticsearch/OpenSearch sink (`type: elasticsearch`): indexes and deletes documents with
// `_bulk` over a pool of HTTP/1.1 keep-alive connections, each item versioned from the source
// position with `version_type: external_gte` (effectively once, docs/ARCHITECTURE.md#guarantees;
// a 409 means the index already has it). Works with OpenSearch 1.x/2.x and Elasticsearch 7/8.
// Semantics, settings, versioning and error classes: README.md here.
#ifndef FANOUT_SINKS_ELASTICSEARCH_ELASTICSEARCH_SINK_H_
#define FANOUT_SINKS_ELASTICSEARCH_ELASTICSEARCH_SINK_H_

#include <memory>

#include "processor/core/status.h"
#include "sinks/sink.h"

namespace fanout {

// Creates an Elasticsearch sink running on `runtime` (which must outlive it). InvalidArgument
// names the setting at fault (see ParseElasticsearchSinkSettings); no connection is made until
// Start or Write.
Result<std::unique_ptr<Sink>> CreateElasticsearchSink(const SinkSpec& spec, SinkRuntime& runtime);

// Registers CreateElasticsearchSink with the "elasticsearch" spec (sinks/elasticsearch/spec.h).
Status RegisterElasticsearchSink(SinkRegistry& registry);

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_ELASTICSEARCH_SINK_H_
