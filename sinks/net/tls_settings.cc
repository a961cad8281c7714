#include "sinks/net/tls_settings.h"

#include <algorithm>
#include <array>
#include <string>

namespace fanout {
namespace {

constexpr std::array<std::string_view, 5> kTlsKeys = {
    "tls_ca_file", "tls_verify", "tls_server_name", "tls_cert_file", "tls_key_file"};

}  // namespace

bool IsTlsSettingKey(std::string_view key) {
  return std::find(kTlsKeys.begin(), kTlsKeys.end(), key) != kTlsKeys.end();
}

Result<TlsSettings> ParseTlsSettings(const SinkSpec& spec, bool enabled, std::string_view host,
                                     std::string_view tls_scheme) {
  TlsSettings out;
  out.enabled = enabled;
  for (const auto& [key, value] : spec.settings) {
    if (!IsTlsSettingKey(key)) continue;
    if (!enabled) {
      return InvalidArgument(key + ": TLS settings need a " + std::string(tls_scheme) + " url");
    }
    if (key == "tls_verify") {
      if (value == "true") {
        out.verify = true;
      } else if (value == "false") {
        out.verify = false;
      } else {
        return InvalidArgument("tls_verify: expected true or false");
      }
      continue;
    }
    if (value.empty()) return InvalidArgument(key + ": must not be empty");
    if (key == "tls_ca_file") out.ca_file = value;
    if (key == "tls_server_name") out.server_name = value;
    if (key == "tls_cert_file") out.cert_file = value;
    if (key == "tls_key_file") out.key_file = value;
  }
  if (out.cert_file.empty() != out.key_file.empty()) {
    return InvalidArgument(out.cert_file.empty() ? "tls_key_file: needs tls_cert_file"
                                                 : "tls_cert_file: needs tls_key_file");
  }
  if (enabled && out.server_name.empty()) out.server_name = std::string(host);
  return out;
}

}  // namespace fanout
