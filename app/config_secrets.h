// Hands every secret of a config to the process's SecretRedactor (processor/core/redaction.h):
// the settings the config spec marks secret (password, api_key, dsn), the password inside a
// DSN or a redis:// URL, credential-like HTTP headers, and Kafka properties that hold keys or
// passwords. Called once, at startup, before anything is logged.
#ifndef FANOUT_APP_CONFIG_SECRETS_H_
#define FANOUT_APP_CONFIG_SECRETS_H_

#include "config/config.h"

namespace fanout {

void RegisterConfigSecrets(const config::Config& config);

}  // namespace fanout

#endif  // FANOUT_APP_CONFIG_SECRETS_H_
