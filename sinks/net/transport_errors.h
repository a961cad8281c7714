// What the TCP sinks (Redis, HTTP, Elasticsearch/OpenSearch) share about a failed exchange: the
// stages a connection goes through, the facts every exchange reports, and how a transport failure
// (no server answer at all) becomes an outcome. What a server *answered* stays each sink's own
// (sinks/<sink>/errors.cc); this is only the part below the protocol:
//
//   failure                                      outcome
//   cancelled by Close()                         the sink's own message (unavailable)
//   TLS certificate or host name refused         fatal: check tls_ca_file, tls_server_name
//   timeout before the request is sent
//   (resolve, connect, TLS, protocol handshake)  unavailable
//   timeout while sending or awaiting an answer  retry (counted)
//   DNS failure, refused, reset, EOF, any
//   failure before the request is sent           unavailable
//   connection lost while sending or reading     unavailable
//   anything else (an answer that cannot be
//   parsed)                                      retry (counted)
//
// Pure: no I/O.
#ifndef FANOUT_SINKS_NET_TRANSPORT_ERRORS_H_
#define FANOUT_SINKS_NET_TRANSPORT_ERRORS_H_

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string_view>

#include "sinks/sink.h"

namespace fanout {

// Where an exchange with a server stopped. kTlsHandshake: the TLS handshake of a rediss:// or
// https:// connection; kHandshake: what a protocol sends first on every new connection (Redis:
// AUTH, SELECT, SCRIPT LOAD; HTTP has none).
enum class NetStage : std::uint8_t {
  kResolve,
  kConnect,
  kTlsHandshake,
  kHandshake,
  kWrite,
  kRead,
  kDone
};

// "resolve", "connect", "TLS handshake", "handshake", "send", "read", "done". A protocol names
// kRead after what it reads ("reply", "response").
std::string_view NetStageName(NetStage stage);

// The facts of one exchange every connection reports; each protocol's result adds what the server
// answered.
struct TransportResult {
  NetStage stage = NetStage::kDone;
  boost::system::error_code error;  // the transport error that ended it, if any
  bool reused_connection = false;   // the connection had carried an earlier exchange
  bool got_response_bytes = false;  // some of the answer arrived before `error`
};

// Makes `result` the answer to an exchange that never ran because its pool was aborted.
void MarkAborted(TransportResult* result);

// Whether `error` is operation_aborted: the exchange was cancelled (Abort(), Close()).
bool IsCancelled(const boost::system::error_code& error);

// Errors that mean the connection or the server went away, not that this request is at fault.
bool IsConnectionLost(const boost::system::error_code& error);

bool IsTimeout(const boost::system::error_code& error);

// Whether `error` says the TLS layer refused the server (certificate, host name, protocol
// version): a configuration problem, unlike a connection that was reset mid-handshake.
bool IsTlsVerificationFailure(const boost::system::error_code& error);

// Whether `result` is the classic failure of an idle kept-alive connection the server (or a
// proxy) had already closed: writing to it failed, or it ended before any byte of an answer.
// The pools send such a request once more on a new connection.
bool IsStaleConnectionFailure(const TransportResult& result);

// The outcome of a transport failure (`result.error` set, not cancelled), as the table above
// says. Messages are "<prefix><where> timed out" and "<prefix><where> failed: <error>", where
// `where` is the stage's name in the protocol's words.
ActionResult ClassifyTransportFailure(const TransportResult& result, std::string_view prefix,
                                      std::string_view where);

}  // namespace fanout

#endif  // FANOUT_SINKS_NET_TRANSPORT_ERRORS_H_
