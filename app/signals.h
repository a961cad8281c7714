// SIGINT/SIGTERM handling: the first signal asks for a clean stop (finish, commit, leave the
// group); a second one exits at once with status 130.
#ifndef FANOUT_APP_SIGNALS_H_
#define FANOUT_APP_SIGNALS_H_

#include <atomic>

namespace fanout {

// Installs the handlers; `stop` must live for the rest of the process.
void InstallStopSignals(std::atomic<bool>* stop);

}  // namespace fanout

#endif  // FANOUT_APP_SIGNALS_H_
