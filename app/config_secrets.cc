#include "app/config_secrets.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "processor/core/redaction.h"
#include "sinks/builtin.h"

namespace fanout {
namespace {

bool Contains(std::string_view text, std::string_view part) {
  return std::search(text.begin(), text.end(), part.begin(), part.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

// Kafka properties that carry a password, a private key or a whole login.
bool IsSecretKafkaProperty(std::string_view key) {
  return Contains(key, "password") || Contains(key, "secret") || Contains(key, "jaas") ||
         Contains(key, "key.pem") || Contains(key, "oauthbearer.config") ||
         Contains(key, "keystore.key");
}

// HTTP headers that authenticate (Authorization: Bearer ..., X-Api-Key, Cookie, ...).
bool IsCredentialHeader(std::string_view name) {
  return Contains(name, "authorization") || Contains(name, "token") || Contains(name, "key") ||
         Contains(name, "secret") || Contains(name, "auth") || Contains(name, "password") ||
         Contains(name, "cookie") || Contains(name, "signature");
}

// The password of scheme://user:password@host..., as written (percent-encoded or not).
void AddUrlPassword(std::string_view url, SecretRedactor& redactor) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  std::string_view rest = url.substr(scheme + 3);
  const std::size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return;
  std::string_view userinfo = rest.substr(0, at);
  if (userinfo.find('/') != std::string_view::npos) return;  // an '@' in the path
  const std::size_t colon = userinfo.find(':');
  if (colon != std::string_view::npos) redactor.Add(userinfo.substr(colon + 1));
}

void AddDsnSecrets(const std::string& dsn, SecretRedactor& redactor) {
  redactor.Add(dsn);
  AddUrlPassword(dsn, redactor);  // as written, even where libpq cannot parse it
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && (std::string_view(o->keyword) == "password" ||
                              std::string_view(o->keyword) == "sslpassword")) {
      redactor.Add(o->val);
    }
  }
  PQconninfoFree(options);
}

// Whether the spec of sink type `type` marks its setting `key` secret.
bool IsSecretSetting(const config::SinkTypes& types, std::string_view type, std::string_view key) {
  for (const config::SinkTypeSpec* spec : types) {
    if (spec->type != type) continue;
    return std::any_of(spec->settings.begin(), spec->settings.end(),
                       [key](const config::FieldSpec& f) { return f.name == key && f.secret; });
  }
  return false;
}

}  // namespace

void RegisterConfigSecrets(const config::Config& config) {
  const config::SinkTypes types = BuiltinSinkTypes();
  SecretRedactor& redactor = SecretRedactor::Global();
  for (const config::KafkaProperty& property : config.kafka) {
    if (IsSecretKafkaProperty(property.key)) redactor.Add(property.value);
  }
  for (const config::SinkConfig& sink : config.sinks) {
    for (const auto& [key, value] : sink.settings) {
      if (IsSecretSetting(types, sink.type, key)) redactor.Add(value);
      if (key == "dsn") AddDsnSecrets(value, redactor);
      if (key == "url") AddUrlPassword(value, redactor);
    }
    for (const auto& [name, value] : sink.headers) {
      if (IsCredentialHeader(name)) redactor.Add(value);
    }
    for (const auto& [key, value] : sink.properties) {
      if (IsSecretKafkaProperty(key)) redactor.Add(value);
    }
  }
}

}  // namespace fanout
