// Conversions between the engine's PartitionOffset and librdkafka's partition lists.
#include <librdkafka/rdkafka.h>

#include <cstring>
#include <utility>

#include "processor/kafka/kafka_internal.h"

namespace fanout::kafka {

PartitionListPtr ToPartitionList(const std::vector<PartitionOffset>& offsets) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const PartitionOffset& po : offsets) {
    rd_kafka_topic_partition_t* element =
        rd_kafka_topic_partition_list_add(list.get(), po.tp.topic.c_str(), po.tp.partition);
    element->offset = po.offset;
    if (!po.metadata.empty()) {
      // The list owns its elements' metadata and frees it with
      // rd_kafka_topic_partition_list_destroy.
      element->metadata = rd_kafka_mem_malloc(nullptr, po.metadata.size());
      std::memcpy(element->metadata, po.metadata.data(), po.metadata.size());
      element->metadata_size = po.metadata.size();
    }
  }
  return list;
}

std::vector<PartitionOffset> FromPartitionList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<PartitionOffset> out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& element = list->elems[i];
    PartitionOffset po{TopicPartition{element.topic, element.partition}, element.offset, {}};
    if (element.metadata != nullptr && element.metadata_size > 0) {
      po.metadata.assign(static_cast<const char*>(element.metadata), element.metadata_size);
    }
    out.push_back(std::move(po));
  }
  return out;
}

}  // namespace fanout::kafka
