// The secrets fanout was configured with (passwords, API keys, connection strings), kept so that
// no text leaving the process shows them: log lines (observability/logging.cc), dead-letter
// headers (processor/delivery/dead_letter.cc) and status output. Client libraries quote what
// they were given in their errors (libpq quotes the token of a DSN it cannot parse); this is the
// net under all of them.
//
// Thread-safety: Add() at startup, before the threads that log start; Redact() from any thread.
#ifndef FANOUT_PROCESSOR_CORE_REDACTION_H_
#define FANOUT_PROCESSOR_CORE_REDACTION_H_

#include <string>
#include <string_view>
#include <vector>

#include "processor/core/thread_annotations.h"

namespace fanout {

class SecretRedactor {
 public:
  // The process's one redactor.
  static SecretRedactor& Global();

  // Remembers `secret`, and its percent-decoded form when that differs. Values shorter than
  // kMinLength are ignored: masking "ab" everywhere would garble every line and hide nothing.
  void Add(std::string_view secret) EXCLUDES(mutex_);
  static constexpr std::size_t kMinLength = 4;

  // Replaces every remembered secret in *text with "***"; false when none occurs (no copy).
  bool Redact(std::string* text) const EXCLUDES(mutex_);
  // `text` with every remembered secret replaced.
  std::string Redacted(std::string_view text) const;
  bool empty() const EXCLUDES(mutex_);

  // Forgets every secret (tests).
  void Clear() EXCLUDES(mutex_);

 private:
  mutable SharedMutex mutex_;
  std::vector<std::string> secrets_
      GUARDED_BY(mutex_);  // longest first, so a secret inside another goes last
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_REDACTION_H_
