#include "sinks/net/tls_settings.h"

#include <algorithm>
#include <array>
#include <string>

// Designated initializers name only the fields each key needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fanout {
namespace {

constexpr std::array<std::string_view, 5> kTlsKeys = {
    "tls_ca_file", "tls_verify", "tls_server_name", "tls_cert_file", "tls_key_file"};

}  // namespace

std::vector<config::FieldSpec> TlsSettingFields() {
  using T = config::FieldType;
  return {
      {.name = "tls_ca_file",
       .type = T::kString,
       .description = "PEM file of the certificate authorities that TLS servers are verified "
                      "against (TLS urls only). Default: the system's trust store."},
      {.name = "tls_verify",
       .type = T::kBoolean,
       .description = "Whether the server's certificate must chain to a trusted CA and name the "
                      "host. `false` accepts any certificate (test servers only; fanout warns at "
                      "startup).",
       .default_value = "true"},
      {.name = "tls_server_name",
       .type = T::kString,
       .description = "The name sent as SNI and checked against the certificate. Default: the "
                      "url's host."},
      {.name = "tls_cert_file",
       .type = T::kString,
       .description = "Client certificate (PEM) for servers that require mutual TLS; needs "
                      "`tls_key_file`."},
      {.name = "tls_key_file",
       .type = T::kString,
       .description = "Private key (PEM) of `tls_cert_file`."},
  };
}

bool IsTlsSettingKey(std::string_view key) {
  return std::find(kTlsKeys.begin(), kTlsKeys.end(), key) != kTlsKeys.end();
}

Result<TlsSettings> ParseTlsSettings(const config::SettingValues& values, bool enabled,
                                     std::string_view host, std::string_view tls_scheme) {
  TlsSettings out;
  out.enabled = enabled;
  for (std::string_view key : kTlsKeys) {
    if (!values.Has(key)) continue;
    if (!enabled) {
      return InvalidArgument(std::string(key) + ": TLS settings need a " + std::string(tls_scheme) +
                             " url");
    }
    if (key != "tls_verify" && values.String(key).empty()) {
      return InvalidArgument(std::string(key) + ": must not be empty");
    }
  }
  out.verify = !values.Has("tls_verify") || values.Boolean("tls_verify");
  out.ca_file = std::string(values.String("tls_ca_file"));
  out.server_name = std::string(values.String("tls_server_name"));
  out.cert_file = std::string(values.String("tls_cert_file"));
  out.key_file = std::string(values.String("tls_key_file"));
  if (out.cert_file.empty() != out.key_file.empty()) {
    return InvalidArgument(out.cert_file.empty() ? "tls_key_file: needs tls_cert_file"
                                                 : "tls_cert_file: needs tls_key_file");
  }
  if (enabled && out.server_name.empty()) out.server_name = std::string(host);
  return out;
}

}  // namespace fanout
