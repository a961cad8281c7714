// FakeProducer: a transactional Producer for unit tests that keeps what it was given.
#ifndef FANOUT_TESTS_FAKES_FAKE_PRODUCER_H_
#define FANOUT_TESTS_FAKES_FAKE_PRODUCER_H_

#include <vector>

#include "processor/kafka/producer.h"

namespace fanout::testing {

class FakeProducer final : public Producer {
 public:
  std::vector<OutgoingRecord> produced;  // in order, origins cleared (their topic is a view)
  Status produce_answer;                 // what Produce answers; the record is kept only on OK

  bool transactional() const override { return true; }
  Status BeginTransaction() override { return Status(); }
  Status Produce(const OutgoingRecord& record) override {
    if (!produce_answer.ok()) return produce_answer;
    produced.push_back(record);
    produced.back().origin.reset();
    return Status();
  }
  Status Commit(const std::vector<PartitionOffset>&) override { return Status(); }
  Status Abort() override { return Status(); }

  // The produced records written to `topic`.
  std::vector<OutgoingRecord> To(std::string_view topic) const {
    std::vector<OutgoingRecord> out;
    for (const OutgoingRecord& record : produced) {
      if (record.topic == topic) out.push_back(record);
    }
    return out;
  }
};

// The value of header `name` of `record`; empty when it has none.
inline std::string HeaderOf(const OutgoingRecord& record, std::string_view name) {
  for (const auto& [key, value] : record.headers) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_FAKES_FAKE_PRODUCER_H_
