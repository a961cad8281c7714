// TLS settings shared by the sinks that speak TCP (Redis, HTTP, Elasticsearch/OpenSearch).
//
// TLS is switched on by the URL's scheme (rediss://, https://), never by a flag that could
// disagree with it. The `tls_*` settings then say how the server is verified:
//
//   tls_ca_file      PEM file of the certificate authorities to trust; default: the system's
//                    trust store (/etc/ssl/certs)
//   tls_verify       true (default): the certificate must chain to a trusted CA and name the
//                    host; false accepts any certificate (for test servers; fanout warns)
//   tls_server_name  the name sent as SNI and checked against the certificate; default: the
//                    URL's host
//   tls_cert_file,   a client certificate and its key, for servers that require one (mutual
//   tls_key_file     TLS); both or neither
//
// Pure parsing: files are read when the context is made (sinks/net/sink_stream.h). The keys'
// FieldSpecs (TlsSettingFields) are part of each TLS-capable sink's spec.
#ifndef FANOUT_SINKS_NET_TLS_SETTINGS_H_
#define FANOUT_SINKS_NET_TLS_SETTINGS_H_

#include <string>
#include <string_view>
#include <vector>

#include "config/spec.h"
#include "processor/core/status.h"

namespace fanout {

struct TlsSettings {
  bool enabled = false;
  bool verify = true;
  std::string ca_file;
  std::string server_name;
  std::string cert_file;
  std::string key_file;
};

// The FieldSpecs of the `tls_*` settings, for the specs of the sinks that take them.
std::vector<config::FieldSpec> TlsSettingFields();

// The `tls_*` settings among `values` (read against TlsSettingFields()) for a URL whose scheme
// asked for TLS (`enabled`) or not, with `host` as the default server name. InvalidArgument
// names the setting at fault: a `tls_*` setting without a TLS scheme (`tls_scheme` names the
// scheme to say so), an empty file or server name, a certificate without its key.
Result<TlsSettings> ParseTlsSettings(const config::SettingValues& values, bool enabled,
                                     std::string_view host, std::string_view tls_scheme);

// Whether `key` is one of the settings ParseTlsSettings reads.
bool IsTlsSettingKey(std::string_view key);

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_TLS_SETTINGS_H_
