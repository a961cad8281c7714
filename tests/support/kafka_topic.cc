#include "tests/support/kafka_topic.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/process.h"

namespace fanout::testing {

std::vector<CapturedRecord> ReadTopic(const std::string& topic) {
  const std::string file = std::filesystem::temp_directory_path() /
                           ("fanout-topic-" + std::to_string(::getpid()) + ".jsonl");
  const std::string command = "kcat -C -J -e -q -X isolation.level=read_committed -b " +
                              RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " + topic +
                              " -o beginning > " + file + " 2>/dev/null";
  std::vector<CapturedRecord> records;
  if (std::system(command.c_str()) == 0) records = ReadCapturedRecords(file);
  std::filesystem::remove(file);
  return records;
}

std::string Header(const CapturedRecord& record, std::string_view name) {
  for (const auto& [key, value] : record.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace fanout::testing
