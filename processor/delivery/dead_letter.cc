#include "processor/delivery/dead_letter.h"

namespace fanout {

OutgoingRecord BuildDeadLetter(std::string_view topic, const KafkaRecordView& source,
                               const DeadLetterContext& context) {
  OutgoingRecord out;
  out.origin = RecordOrigin{source.topic, source.partition, source.offset};
  out.topic = std::string(topic);
  if (source.key) out.key = std::string(*source.key);
  if (source.value) out.value = std::string(*source.value);
  for (const RecordHeaderView& header : source.headers) {
    out.headers.emplace_back(std::string(header.name), std::string(header.value.value_or("")));
  }
  out.headers.emplace_back("fanout.error.class", std::string(context.error_class));
  out.headers.emplace_back("fanout.error.message", std::string(context.message));
  out.headers.emplace_back("fanout.route", std::string(context.route));
  out.headers.emplace_back("fanout.sink", std::string(context.sink));
  out.headers.emplace_back("fanout.source.topic", std::string(source.topic));
  out.headers.emplace_back("fanout.source.partition", std::to_string(source.partition));
  out.headers.emplace_back("fanout.source.offset", std::to_string(source.offset));
  out.headers.emplace_back("fanout.attempts", std::to_string(context.attempts));
  out.headers.emplace_back("fanout.failure.first_ms", std::to_string(context.first_failure_ms));
  out.headers.emplace_back("fanout.failure.last_ms", std::to_string(context.last_failure_ms));
  return out;
}

}  // namespace fanout
