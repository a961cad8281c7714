// The one place where librdkafka error codes become fanout Status codes. Internal to
// processor/kafka (it includes librdkafka).
#ifndef FANOUT_PROCESSOR_KAFKA_KAFKA_ERRORS_H_
#define FANOUT_PROCESSOR_KAFKA_KAFKA_ERRORS_H_

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "processor/core/status.h"

namespace fanout::kafka {

// Maps `err` to a Status whose message is "<context>: <librdkafka's text>".
Status FromKafkaError(rd_kafka_resp_err_t err, std::string_view context);

// True for errors that only say the cluster is (temporarily) unreachable; the client retries by
// itself, so these are logged, not acted upon.
bool IsConnectivityError(rd_kafka_resp_err_t err);

}  // namespace fanout::kafka

#endif  // FANOUT_PROCESSOR_KAFKA_KAFKA_ERRORS_H_
