#include "sinks/net/sink_stream.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

namespace fanout {
namespace {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

std::string Reason(const error_code& error) {
  std::string message = error.message();
  return message.empty() ? "unknown OpenSSL error" : message;
}

}  // namespace

Result<std::shared_ptr<const TlsContext>> TlsContext::Make(const TlsSettings& settings) {
  if (!settings.enabled) return std::shared_ptr<const TlsContext>();
  std::shared_ptr<TlsContext> out(new TlsContext());
  ssl::context& context = out->context_;
  out->server_name_ = settings.server_name;
  out->verify_ = settings.verify;
  error_code error;
  // TLS 1.2 is the oldest version worth speaking; the rest of OpenSSL's defaults stand.
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1,
                      error);
  if (error) return Internal("TLS: cannot set protocol options: " + Reason(error));
  if (settings.verify) {
    context.set_verify_mode(ssl::verify_peer);
    if (!settings.ca_file.empty()) {
      if (context.load_verify_file(settings.ca_file, error); error) {
        return InvalidArgument("tls_ca_file: cannot load " + settings.ca_file + ": " +
                               Reason(error));
      }
    } else if (context.set_default_verify_paths(error); error) {
      return InvalidArgument(
          "tls_ca_file: no file given and the system's trust store cannot "
          "be loaded: " +
          Reason(error));
    }
  } else {
    context.set_verify_mode(ssl::verify_none);
    spdlog::warn(
        "TLS to {}: certificate verification is off (tls_verify: false); anyone on the "
        "path can read and change what fanout sends",
        settings.server_name);
  }
  if (!settings.cert_file.empty()) {
    if (context.use_certificate_chain_file(settings.cert_file, error); error) {
      return InvalidArgument("tls_cert_file: cannot load " + settings.cert_file + ": " +
                             Reason(error));
    }
    if (context.use_private_key_file(settings.key_file, ssl::context::pem, error); error) {
      return InvalidArgument("tls_key_file: cannot load " + settings.key_file + ": " +
                             Reason(error));
    }
  }
  return std::shared_ptr<const TlsContext>(std::move(out));
}

SinkStream::SinkStream(const executor_type& executor, std::shared_ptr<const TlsContext> tls)
    : context_(std::move(tls)) {
  if (!context_) {
    plain_.emplace(executor);
    return;
  }
  tls_.emplace(executor, context_->native());
  const std::string& name = context_->server_name();
  error_code not_an_address;
  boost::asio::ip::make_address(name, not_an_address);
  // SNI carries host names only (RFC 6066 §3); an address is checked against the certificate
  // all the same.
  if (not_an_address) {
    // SSL_set_tlsext_host_name() spelled out: the macro's C cast trips -Wold-style-cast.
    SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
  }
  if (context_->verify()) tls_->set_verify_callback(ssl::host_name_verification(name));
}

void SinkStream::Close() { tcp().close(); }

}  // namespace fanout
