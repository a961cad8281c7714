#include "processor/delivery/offset_committer.h"

namespace fanout {

Status GroupOffsetCommitter::Commit(const std::vector<PartitionOffset>& offsets) {
  return consumer_.Commit(offsets);
}

Status TransactionalOffsetCommitter::Commit(const std::vector<PartitionOffset>& offsets) {
  FANOUT_RETURN_IF_ERROR(producer_.Commit(offsets));
  return producer_.BeginTransaction();
}

Status TransactionalOffsetCommitter::Abort() {
  FANOUT_RETURN_IF_ERROR(producer_.Abort());
  return producer_.BeginTransaction();
}

Status AtLeastOnceOffsetCommitter::Commit(const std::vector<PartitionOffset>& offsets) {
  FANOUT_RETURN_IF_ERROR(producer_.Commit({}));  // every record acknowledged first
  return consumer_.Commit(offsets);
}

}  // namespace fanout
