// DebeziumFixture: a fresh source database with its own Debezium connector on the real stack,
// torn down afterwards. Each test gets unique database, slot and topic names, so tests never see
// each other's events.
#ifndef FANOUT_TESTS_SUPPORT_DEBEZIUM_FIXTURE_H_
#define FANOUT_TESTS_SUPPORT_DEBEZIUM_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/postgres.h"

namespace fanout::testing {

class DebeziumFixture : public ::testing::Test {
 protected:
  // Creates database `name_` and runs `schema_sql` in it; call RegisterConnector() after.
  void CreateDatabase(const std::string& schema_sql);
  // Registers a pgoutput connector for `tables` (comma-separated schema.table) with the
  // prefix `topic_prefix()` and waits until it runs. Its topics get `partitions` partitions
  // (Debezium partitions by key, so a key's changes stay in one partition, in order).
  // `with_schemas`: JsonConverter with schemas.enable=true (what `fanout init-sink --event`
  // needs); without, bare payloads.
  void RegisterConnector(const std::string& tables, int partitions = 1, bool with_schemas = false);
  void TearDown() override;

  std::string topic_prefix() const { return name_; }
  // A config file for `fanout run` reading this fixture's topics as consumer group `group`;
  // `extra_yaml` (sinks:, routes:, ...) is appended as it is. Without an `admin:` section of its
  // own the admin endpoint listens on a free port (instances run side by side).
  std::string WriteFanoutConfig(const std::string& group, const std::string& extra_yaml = "");
  std::string TempPath(const std::string& file) const;

  std::string name_;
  std::string temp_dir_;
  std::unique_ptr<Postgres> db_;  // connected to name_
  bool connector_registered_ = false;
};

// Runs a stack script (e.g. "connect.sh register x f.json"); returns its exit status.
int RunStackScript(const std::string& arguments);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_DEBEZIUM_FIXTURE_H_
