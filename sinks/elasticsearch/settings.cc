#include "sinks/elasticsearch/settings.h"

#include <string_view>

#include "sinks/elasticsearch/spec.h"
#include "sinks/sink_settings.h"

namespace fanout {

Result<ElasticsearchSinkSettings> ParseElasticsearchSinkSettings(const SinkSpec& spec) {
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values,
                          ReadSinkSettings(ElasticsearchSinkType(), spec));
  ElasticsearchSinkSettings out;
  const std::string_view url = values.String("url");
  if (url.empty()) return InvalidArgument("url: required for elasticsearch sinks");
  FANOUT_ASSIGN_OR_RETURN(out.url, ParseHttpUrl(url));
  FANOUT_ASSIGN_OR_RETURN(out.tls, ParseTlsSettings(values, out.url.tls, out.url.host, "https://"));
  while (!out.url.base_path.empty() && out.url.base_path.back() == '/') {
    out.url.base_path.pop_back();  // "/es/" + "/_bulk" would make "//_bulk"
  }
  out.timeout = values.Duration("timeout");
  out.pool_size = static_cast<std::size_t>(values.Integer("pool_size"));
  out.batch_size = static_cast<std::size_t>(values.Integer("batch_size"));

  const std::string_view username = values.String("username");
  const std::string_view password = values.String("password");
  const std::string_view api_key = values.String("api_key");
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
