#include "tests/support/debezium_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace fanout::testing {

int RunStackScript(const std::string& arguments) {
  std::string command = std::string(FANOUT_REPO_DIR) + "/stack/" + arguments;
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void DebeziumFixture::CreateDatabase(const std::string& schema_sql) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  name_ =
      "it" + std::to_string(::getpid()) + "x" +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 1000000);
  temp_dir_ = (std::filesystem::temp_directory_path() / ("fanout-" + name_)).string();
  std::filesystem::create_directories(temp_dir_);
  const std::string server_url = RequireEnv("FANOUT_SOURCE_PG_URL");
  Postgres server(server_url);
  ASSERT_TRUE(server.connected());
  ASSERT_TRUE(server.Exec("create database " + name_));
  db_ = std::make_unique<Postgres>(WithDatabase(server_url, name_));
  ASSERT_TRUE(db_->connected());
  ASSERT_TRUE(db_->Exec(schema_sql));
}

void DebeziumFixture::RegisterConnector(const std::string& tables, int partitions,
                                        bool with_schemas) {
  const char* const schemas = with_schemas ? "true" : "false";
  const std::string path = TempPath("connector.json");
  std::ofstream(path) << R"({
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1",
  "database.port": "${FANOUT_PG_PORT}",
  "database.user": "postgres",
  "database.dbname": ")"
                      << name_ << R"(",
  "topic.prefix": ")" << name_
                      << R"(",
  "plugin.name": "pgoutput",
  "slot.name": ")" << name_
                      << R"(",
  "publication.name": ")"
                      << name_ << R"(_pub",
  "publication.autocreate.mode": "filtered",
  "table.include.list": ")"
                      << tables << R"(",
  "key.converter.schemas.enable": ")"
                      << schemas << R"(",
  "value.converter.schemas.enable": ")"
                      << schemas << R"(",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "snapshot.mode": "initial",
  "topic.creation.default.partitions": ")"
                      << partitions << R"(",
  "topic.creation.default.replication.factor": "1",
  "tasks.max": "1"
})";
  ASSERT_EQ(RunStackScript("connect.sh register " + name_ + " " + path), 0);
  connector_registered_ = true;
}

std::string DebeziumFixture::WriteFanoutConfig(const std::string& group,
                                               const std::string& extra_yaml) {
  const std::string path = TempPath(group + ".yaml");
  std::ofstream(path) << "version: 1\n"
                      << "kafka:\n"
                      << "  bootstrap.servers: ${FANOUT_KAFKA_BOOTSTRAP}\n"
                      << "  group.id: " << group << "\n"
                      << "  topic.metadata.refresh.interval.ms: \"1000\"\n"
                      << "source:\n"
                      << "  topics: [\"^" << name_ << "\\\\.public\\\\..*\"]\n"
                      << "processing: { commit_interval: 200ms }\n"
                      << "logging: { progress_interval: 1s }\n"
                      << extra_yaml;
  // Several instances run at once in some tests: each admin endpoint on a port of its own,
  // unless the test chose one.
  if (extra_yaml.find("\nadmin:") == std::string::npos && !extra_yaml.starts_with("admin:")) {
    std::ofstream(path, std::ios::app) << "admin: { listen: \"127.0.0.1:0\" }\n";
  }
  return path;
}

std::string DebeziumFixture::TempPath(const std::string& file) const {
  return temp_dir_ + "/" + file;
}

void DebeziumFixture::TearDown() {
  if (name_.empty()) return;
  if (connector_registered_) (void)RunStackScript("connect.sh delete " + name_ + " >/dev/null");
  db_.reset();
  Postgres server(RequireEnv("FANOUT_SOURCE_PG_URL"));
  // The slot stays active for a moment after the connector stops.
  WaitFor(
      [&] {
        return server.Exec(
            "select pg_drop_replication_slot(slot_name) from pg_replication_slots "
            "where slot_name = '" +
                name_ + "'",
            /*must_succeed=*/false);
      },
      std::chrono::seconds(20));
  (void)server.Exec("drop database if exists " + name_ + " with (force)", false);
  std::error_code ignored;
  std::filesystem::remove_all(temp_dir_, ignored);
}

}  // namespace fanout::testing
