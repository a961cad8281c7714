#include "observability/process_metrics.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace fanout {
namespace {

double ResidentBytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return 0;
  long size = 0;
  long resident = 0;
  const int read = std::fscanf(file, "%ld %ld", &size, &resident);
  std::fclose(file);
  if (read != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

void RegisterProcessMetrics(MetricsRegistry& registry) {
  const auto started_steady = std::chrono::steady_clock::now();
  const double started_wall =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Gauge* rss =
      registry.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.").With({});
  Gauge* start = registry
                     .AddGauge("process_start_time_seconds",
                               "Start time of the process since the Unix epoch, in seconds.")
                     .With({});
  Gauge* uptime =
      registry.AddGauge("fanout_uptime_seconds", "Seconds since this process started.").With({});
  start->Set(started_wall);
  registry.AddCollector([=] {
    rss->Set(ResidentBytes());
    uptime->Set(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_steady).count());
  });
}

}  // namespace fanout
