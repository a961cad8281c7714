#include "processor/core/redaction.h"

#include <algorithm>
#include <optional>

namespace fanout {
namespace {

constexpr std::string_view kMask = "***";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `text` with %XX sequences decoded; nullopt when it has none, or a malformed one.
std::optional<std::string> PercentDecoded(std::string_view text) {
  if (text.find('%') == std::string_view::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

SecretRedactor& SecretRedactor::Global() {
  static SecretRedactor* redactor = new SecretRedactor();  // never destroyed: logs at exit use it
  return *redactor;
}

void SecretRedactor::Add(std::string_view secret) {
  WriterMutexLock lock(&mutex_);
  auto add = [this](std::string_view value) REQUIRES(mutex_) {
    if (value.size() < kMinLength) return;
    if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
    secrets_.emplace_back(value);
  };
  add(secret);
  if (std::optional<std::string> decoded = PercentDecoded(secret)) add(*decoded);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool SecretRedactor::Redact(std::string* text) const {
  ReaderMutexLock lock(&mutex_);
  bool changed = false;
  for (const std::string& secret : secrets_) {
    std::size_t at = text->find(secret);
    while (at != std::string::npos) {
      text->replace(at, secret.size(), kMask);
      changed = true;
      at = text->find(secret, at + kMask.size());
    }
  }
  return changed;
}

std::string SecretRedactor::Redacted(std::string_view text) const {
  std::string out(text);
  Redact(&out);
  return out;
}

bool SecretRedactor::empty() const {
  ReaderMutexLock lock(&mutex_);
  return secrets_.empty();
}

void SecretRedactor::Clear() {
  WriterMutexLock lock(&mutex_);
  secrets_.clear();
}

}  // namespace fanout
