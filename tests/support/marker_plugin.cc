// A shared library that leaves a mark when it is loaded: a check that must load no code named by
// a config (kafka.plugin.library.paths) is tested with it. The file named by
// FANOUT_TEST_PLUGIN_MARKER is created by the library's constructor, before librdkafka even
// looks for its conf_init.
#include <cstdio>
#include <cstdlib>

namespace {

__attribute__((constructor)) void LeaveMark() {
  const char* path = std::getenv("FANOUT_TEST_PLUGIN_MARKER");
  if (path == nullptr) return;
  if (std::FILE* file = std::fopen(path, "w")) {
    std::fputs("loaded\n", file);
    std::fclose(file);
  }
}

}  // namespace
