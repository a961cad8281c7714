// ElasticsearchVersion: the external version the Elasticsearch sink writes with every bulk item
// (`version_type: external_gte`): SourceVersion (sinks/source_version.h), the version every
// guard of fanout compares. Why its formulas, what they keep and where they tie: README.md here,
// "Versioning".
#ifndef FANOUT_SINKS_ELASTICSEARCH_VERSION_H_
#define FANOUT_SINKS_ELASTICSEARCH_VERSION_H_

#include <cstdint>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "sinks/source_version.h"

namespace fanout {

inline Result<std::int64_t> ElasticsearchVersion(const ChangeEvent& event,
                                                 const KafkaRecordView& record) {
  return SourceVersion(event, record);
}

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_VERSION_H_
