#include "sinks/elasticsearch/settings.h"

#include <algorithm>
#include <string_view>

#include "sinks/text_numbers.h"

namespace fanout {
namespace {

constexpr std::string_view kKnownSettings[] = {"url",     "username",  "password",  "api_key",
                                               "timeout", "pool_size", "batch_size"};

}  // namespace

Result<ElasticsearchSinkSettings> ParseElasticsearchSinkSettings(const SinkSpec& spec) {
  for (const auto& [key, value] : spec.settings) {
    (void)value;
    if (std::find(std::begin(kKnownSettings), std::end(kKnownSettings), key) ==
            std::end(kKnownSettings) &&
        !IsTlsSettingKey(key)) {
      return InvalidArgument(key + ": not a setting of elasticsearch sinks");
    }
  }
  if (!spec.headers.empty()) {
    return InvalidArgument("headers: not a setting of elasticsearch sinks");
  }
  ElasticsearchSinkSettings out;
  const std::string_view url = spec.Setting("url");
  if (url.empty()) return InvalidArgument("url: required for elasticsearch sinks");
  FANOUT_ASSIGN_OR_RETURN(out.url, ParseHttpUrl(url));
  FANOUT_ASSIGN_OR_RETURN(out.tls, ParseTlsSettings(spec, out.url.tls, out.url.host, "https://"));
  while (!out.url.base_path.empty() && out.url.base_path.back() == '/') {
    out.url.base_path.pop_back();  // "/es/" + "/_bulk" would make "//_bulk"
  }
  if (const std::string_view timeout = spec.Setting("timeout"); !timeout.empty()) {
    FANOUT_ASSIGN_OR_RETURN(out.timeout, ParseHttpTimeout(timeout));
  }
  FANOUT_ASSIGN_OR_RETURN(out.pool_size, ParseBounded(spec, "pool_size", 4, 1, 256));
  FANOUT_ASSIGN_OR_RETURN(out.batch_size,
                          ParseBounded(spec, "batch_size", 500, 1, kMaxElasticsearchBatch));

  const std::string_view username = spec.Setting("username");
  const std::string_view password = spec.Setting("password");
  const std::string_view api_key = spec.Setting("api_key");
  if (!password.empty() && username.empty()) {
    return InvalidArgument("password: set without username");
  }
  if (!username.empty() && password.empty()) {
    return InvalidArgument("username: needs a password");
  }
  if (!username.empty() && !api_key.empty()) {
    return InvalidArgument("api_key: use either api_key or username/password, not both");
  }
  FANOUT_ASSIGN_OR_RETURN(out.authorization, BasicAuthorization(username, password));
  if (!api_key.empty()) {
    if (!IsValidHeaderValue(api_key) || api_key.find_first_of(" \t") != std::string_view::npos) {
      return InvalidArgument("api_key: spaces and control characters are not allowed");
    }
    // "id:key" is what the create-API-key call returns as two fields; "encoded" is their base64.
    // Base64 never holds ':', so the two forms cannot be confused.
    out.authorization =
        "ApiKey " + (api_key.find(':') != std::string_view::npos ? Base64Encode(api_key)
                                                                 : std::string(api_key));
  }
  return out;
}

}  // namespace fanout
