// Processed offsets: how a database sink remembers, in the same transaction as its writes, which
// Kafka records it has applied, so that after a crash at any point it neither loses nor repeats
// a row change (postgres: exactly once; docs/ARCHITECTURE.md#guarantees).
//
// Tables (created by Migrate statements, versioned in `fanout_migrations`):
//
//   <offsets>(consumer_group, route, topic, partition, next_offset, updated_at)
//       PRIMARY KEY (consumer_group, route, topic, partition). next_offset: every record of the
//       partition below it whose route wrote to this database is committed. Keyed by route as
//       well as partition because one record may have actions of several routes in one sink
//       (a mirror and an audit route), and those can end up in different transactions.
//   <offsets>_rejected(consumer_group, route, topic, partition, kafka_offset, message, rejected_at)
//       Records the sink reported as bad records (dead-lettered) in a transaction that moved
//       next_offset past them. The dead letter is written in the engine's Kafka transaction,
//       which may not commit before a crash; when the record comes again, the sink answers
//       "bad record" again from this table instead of skipping it, so the dead letter is not
//       lost (and, since that Kafka transaction also carries the group offset, not doubled).
//
// Every transaction first locks its (route, partition) rows and then claims them (Claim(): it
// fails when next_offset is above the batch's lowest offset there), so a batch holding a record
// the database already has rolls back as a whole and is settled against the stored next_offset:
// also after a rewind without rebalance, and against a zombie instance still writing after its
// partitions moved. ProcessedOffsetsView is the client-side
// copy read at partition assignment, which lets the engine not even send those records.
//
// SQL builders are pure; the view is thread-safe.
#ifndef FANOUT_SINKS_POSTGRES_PROCESSED_OFFSETS_H_
#define FANOUT_SINKS_POSTGRES_PROCESSED_OFFSETS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "processor/core/thread_annotations.h"

namespace fanout {

inline constexpr int kProcessedOffsetsSchemaVersion = 1;

class ProcessedOffsetsSql {
 public:
  // `offsets_table`: [schema.]name, already checked to be plain (IsPlainQualifiedName).
  explicit ProcessedOffsetsSql(std::string_view offsets_table);

  // Statements that create the tables if missing and record the schema version; run them in
  // one transaction (they take an advisory lock, so concurrent instances do not race).
  std::vector<std::string> Migrate() const;

  // Params: $1 group, $2 route, $3 topic, $4 partition. Creates the row if missing.
  std::string EnsureRow() const;
  // Same params: locks the row for this transaction.
  std::string LockRow() const;
  // Params $1..$4 as above, $5 next offset: moves next_offset forward (never back).
  std::string Advance() const;
  // Params $1..$4, $5 offset, $6 message.
  std::string Reject() const;
  // Params $1 group, $2 route, $3 topic, $4 partition, $5 lowest offset, $6 highest offset:
  // (kafka_offset, message) of the rejected records in that range.
  std::string SelectRejected() const;
  // Params $1 group: (route, topic, partition, next_offset) of every row of the group.
  std::string LoadOffsets() const;
  // Params $1 group: (route, topic, partition, kafka_offset) of every rejected record.
  std::string LoadRejected() const;

  // Params $1..$4 as above, $5 the batch's lowest offset. Run right after LockRow, it fails the
  // transaction (SQLSTATE 22012, division by zero) when next_offset > $5: part of the batch was
  // applied already (a retry of a batch whose commit was not acknowledged, or a zombie instance).
  // One claim per transaction replaces a guard on every statement; the caller then reads
  // LockRow's answer, settles what was applied, and runs the rest again.
  std::string Claim() const;

  const std::string& offsets_table() const { return offsets_; }
  const std::string& rejected_table() const { return rejected_; }

 private:
  std::string offsets_;   // quoted
  std::string rejected_;  // quoted
  std::string name_;      // as configured, for the migrations row
};

// The processed offsets of the assigned partitions as last read from the database, and the
// rejected records among them. Only a shortcut: the database's guard decides.
class ProcessedOffsetsView {
 public:
  // Replaces what is known of (route, topic, partition) keys of `topics_partitions`.
  void Set(const std::string& route, const std::string& topic, std::int32_t partition,
           std::int64_t next_offset) EXCLUDES(mutex_);
  void AddRejected(const std::string& route, const std::string& topic, std::int32_t partition,
                   std::int64_t offset) EXCLUDES(mutex_);
  // Forgets everything of these partitions (revoked or reassigned).
  void Forget(const std::string& topic, std::int32_t partition) EXCLUDES(mutex_);

  // Whether the record at `offset` is known to be applied already (and was not rejected).
  bool Applied(const std::string& route, std::string_view topic, std::int32_t partition,
               std::int64_t offset) const EXCLUDES(mutex_);

 private:
  using Key = std::tuple<std::string, std::string, std::int32_t>;  // route, topic, partition
  mutable Mutex mutex_;
  std::map<Key, std::int64_t> next_ GUARDED_BY(mutex_);
  std::set<std::tuple<std::string, std::string, std::int32_t, std::int64_t>> rejected_
      GUARDED_BY(mutex_);
};

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_PROCESSED_OFFSETS_H_
