// The webhook's certificate is rotated in place (cert-manager renewing it, a Secret volume
// swapping its files): the next connection is served with the new pair, without a restart, and a
// pair caught half-way (a new certificate with the old key) never replaces the one in service.
#include <doctest/doctest.h>

#include <filesystem>

#include "http/client.hpp"
#include "operator/admission/admission_server.hpp"
#include "testing/test_certificates.hpp"

using namespace veer;
namespace fs = std::filesystem;

namespace {

// Copies `from` over `to` the way a Secret volume does: a new file renamed into place.
void install(const std::string& from, const fs::path& to) {
  const fs::path fresh = to.string() + ".new";
  fs::copy_file(from, fresh, fs::copy_options::overwrite_existing);
  fs::rename(fresh, to);
}

// Whether a client trusting only `ca_file` completes a request to `url`.
bool trusted_by(const std::string& url, const std::string& ca_file) {
  http::Request get;
  get.url = url;
  get.ca_file = ca_file;
  auto reply = http::send(get);
  return reply.ok();  // any HTTP answer: the TLS handshake succeeded
}

}  // namespace

TEST_CASE("a rotated webhook certificate is served from the next connection on") {
  testing::TestCertificates first, second;  // two CAs, each with a server certificate
  const fs::path dir = first.dir / "mounted";
  fs::create_directories(dir);
  const auto cert = dir / "tls.crt", key = dir / "tls.key";
  install(first.server_cert_file, cert);
  install(first.server_key_file, key);

  admission::AdmissionSettings settings;
  settings.host = "127.0.0.1";
  settings.port = 0;
  settings.tls_cert_file = cert.string();
  settings.tls_key_file = key.string();
  admission::AdmissionServer server(settings);
  const auto url = "https://" + server.address() + "/healthz";

  CHECK(trusted_by(url, first.ca_file));
  CHECK_FALSE(trusted_by(url, second.ca_file));

  // Half-way: the new certificate is in place, its key not yet. The old pair stays in service.
  install(second.server_cert_file, cert);
  CHECK(trusted_by(url, first.ca_file));
  CHECK_FALSE(trusted_by(url, second.ca_file));

  // The key follows: the new pair is served.
  install(second.server_key_file, key);
  CHECK(trusted_by(url, second.ca_file));
  CHECK_FALSE(trusted_by(url, first.ca_file));

  // Files that vanish (a volume being remounted) keep the last good pair too.
  fs::remove(cert);
  CHECK(trusted_by(url, second.ca_file));
}
