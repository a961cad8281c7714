#include "sinks/net/transport_errors.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

namespace fanout {
namespace {

namespace asio_error = boost::asio::error;
namespace beast_http = boost::beast::http;
using boost::system::error_code;

}  // namespace

std::string_view NetStageName(NetStage stage) {
  switch (stage) {
    case NetStage::kResolve:
      return "resolve";
    case NetStage::kConnect:
      return "connect";
    case NetStage::kTlsHandshake:
      return "TLS handshake";
    case NetStage::kHandshake:
      return "handshake";
    case NetStage::kWrite:
      return "send";
    case NetStage::kRead:
      return "read";
    case NetStage::kDone:
      return "done";
  }
  return "?";
}

void MarkAborted(TransportResult* result) {
  result->stage = NetStage::kConnect;
  result->error = asio_error::operation_aborted;
}

bool IsCancelled(const error_code& error) { return error == asio_error::operation_aborted; }

bool IsConnectionLost(const error_code& error) {
  return error == asio_error::connection_refused || error == asio_error::connection_reset ||
         error == asio_error::connection_aborted || error == asio_error::broken_pipe ||
         error == asio_error::eof || error == asio_error::not_connected ||
         error == asio_error::network_unreachable || error == asio_error::network_down ||
         error == asio_error::network_reset || error == asio_error::host_unreachable ||
         error == asio_error::shut_down || error == beast_http::error::end_of_stream ||
         error == beast_http::error::partial_message;
}

bool IsTimeout(const error_code& error) {
  return error == boost::beast::error::timeout || error == asio_error::timed_out;
}

bool IsTlsVerificationFailure(const error_code& error) {
  return error.category() == boost::asio::error::get_ssl_category();
}

bool IsStaleConnectionFailure(const TransportResult& result) {
  if (!result.reused_connection || result.got_response_bytes) return false;
  if (result.stage != NetStage::kWrite && result.stage != NetStage::kRead) return false;
  const error_code& error = result.error;
  return error == asio_error::connection_reset || error == asio_error::broken_pipe ||
         error == asio_error::eof || error == beast_http::error::end_of_stream ||
         error == asio_error::connection_aborted;
}

ActionResult ClassifyTransportFailure(const TransportResult& result, std::string_view prefix,
                                      std::string_view where) {
  const error_code& error = result.error;
  const std::string text = std::string(prefix) + std::string(where);
  if (result.stage == NetStage::kTlsHandshake && IsTlsVerificationFailure(error)) {
    // The server is there but is not who the settings say it must be: no retry will change
    // that, and sending the changes elsewhere is not an option.
    return ActionResult::Fatal(std::string(prefix) + "TLS handshake failed: " + error.message() +
                               " (check tls_ca_file, tls_server_name)");
  }
  const bool reaching = result.stage == NetStage::kResolve || result.stage == NetStage::kConnect ||
                        result.stage == NetStage::kTlsHandshake ||
                        result.stage == NetStage::kHandshake;
  if (IsTimeout(error)) {
    // Not getting as far as sending the request is an outage; a server that took it and is slow
    // to answer may be choking on this one request, so that attempt counts.
    if (reaching) return ActionResult::Unavailable(text + " timed out");
    return ActionResult::Retry(text + " timed out");
  }
  if (reaching || IsConnectionLost(error)) {
    return ActionResult::Unavailable(text + " failed: " + error.message());
  }
  // An answer that cannot be parsed: the server (or a proxy) misbehaves; counted, so it ends.
  return ActionResult::Retry(text + " failed: " + error.message());
}

}  // namespace fanout
