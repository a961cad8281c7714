#include "app/signals.h"

#include <unistd.h>

#include <csignal>

namespace fanout {
namespace {

std::atomic<bool>* g_stop = nullptr;

extern "C" void OnStopSignal(int) {
  if (g_stop->exchange(true)) _exit(130);  // second signal: the user insists
}

}  // namespace

void InstallStopSignals(std::atomic<bool>* stop) {
  static_assert(std::atomic<bool>::is_always_lock_free);
  g_stop = stop;
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace fanout
