// The Elasticsearch/OpenSearch sink's settings (`url`, `username`, `password`, `api_key`,
// `timeout`, `pool_size`, `batch_size`), read from the typed values of its spec
// (sinks/elasticsearch/spec.cc) and checked once, when the sink is created. Pure: no I/O.
//
// Values may hold secrets (password, API key): error messages name the setting at fault and
// never quote its value.
#ifndef FANOUT_SINKS_ELASTICSEARCH_SETTINGS_H_
#define FANOUT_SINKS_ELASTICSEARCH_SETTINGS_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "processor/core/status.h"
#include "sinks/elasticsearch/spec.h"  // kMaxElasticsearchBatch
#include "sinks/net/http_client_settings.h"
#include "sinks/net/tls_settings.h"
#include "sinks/sink.h"

namespace fanout {

struct ElasticsearchSinkSettings {
  HttpUrl url;      // http[s]://host[:port][/base path]; the base path prefixes `/_bulk` and `/`
  TlsSettings tls;  // enabled by an https url
  std::chrono::milliseconds timeout{10000};
  std::size_t pool_size = 4;
  std::size_t batch_size = 500;
  // The Authorization header value: "Basic <base64(user:password)>", "ApiKey <encoded>", or
  // empty for none.
  std::string authorization;
};

// InvalidArgument naming the setting at fault: a setting the spec (sinks/elasticsearch/spec.cc)
// refuses (unknown, `headers`, or out of its range: `batch_size` is at most
// kMaxElasticsearchBatch), a missing or malformed `url`, bad `tls_*` settings, `username`
// without `password` or the reverse, `api_key` together with `username`, credentials with
// control characters.
//
// `api_key` takes either the encoded form Elasticsearch returns (`encoded`, the base64 of
// "id:api_key"), used as is, or "id:api_key", which is encoded here.
Result<ElasticsearchSinkSettings> ParseElasticsearchSinkSettings(const SinkSpec& spec);

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_SETTINGS_H_
