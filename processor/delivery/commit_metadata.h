// The metadata fanout keeps beside a committed offset (Kafka stores a string per partition with
// every offset commit, transactional ones included): "fanout/1" followed by space-separated
// name=value fields, e.g. "fanout/1 kafka-outputs-through=120 source-max=pg:...". Whoever resumes
// the partition reads it back. Metadata that does not start with "fanout/1" is someone else's and
// has no fields. Pure.
#ifndef FANOUT_PROCESSOR_DELIVERY_COMMIT_METADATA_H_
#define FANOUT_PROCESSOR_DELIVERY_COMMIT_METADATA_H_

#include <string>
#include <string_view>

namespace fanout::commit_metadata {

// The value of field `name`, or "" when there is none (or the metadata is not fanout's).
std::string_view Field(std::string_view metadata, std::string_view name);

// Appends `name=value` to `metadata` ("fanout/1" first when it is empty). REQUIRES: neither has a
// space, `name` has no '='.
void AddField(std::string* metadata, std::string_view name, std::string_view value);

}  // namespace fanout::commit_metadata

#endif  // FANOUT_PROCESSOR_DELIVERY_COMMIT_METADATA_H_
