// TLS is verified by default: a loopback server with a certificate from a CA made in the test is
// accepted only with that CA and for the host names the certificate names.
#include <doctest/doctest.h>

#include "analysis/tests/support/tls_server.hpp"
#include "http/client.hpp"
#include "testing/text.hpp"

namespace http = veer::http;
using veer::analysis::testing::TestCertificates;
using veer::analysis::testing::TlsServer;

namespace {

using veer::testing::contains;

http::Request get(const std::string& url, const std::string& ca_file) {
  http::Request r;
  r.url = url;
  r.ca_file = ca_file;
  r.timeout = std::chrono::seconds(5);
  return r;
}

}  // namespace

TEST_CASE("TLS: the right CA and host name pass, a wrong CA or host name is refused clearly") {
  TestCertificates certificates;
  TlsServer server(certificates);
  const std::string port = std::to_string(server.port());

  auto good = http::send(get("https://127.0.0.1:" + port + "/", certificates.ca_file));
  REQUIRE_MESSAGE(good.ok(), (good.ok() ? "" : good.error().message));
  CHECK(good->status == 200);
  CHECK(good->body == "ok");

  auto wrong_ca = http::send(get("https://127.0.0.1:" + port + "/", certificates.other_ca_file));
  REQUIRE_FALSE(wrong_ca.ok());
  CHECK(contains(wrong_ca.error().message, "GET https://127.0.0.1:" + port + "/: TLS: "));
  CHECK(contains(wrong_ca.error().message, "certificate"));
  CHECK(contains(wrong_ca.error().message, "insecureSkipVerify turns the check off"));

  auto system_store = http::send(get("https://localhost:" + port + "/", ""));
  REQUIRE_FALSE(system_store.ok());  // a CA made in the test is in no system store
  CHECK(contains(system_store.error().message, "TLS: "));

  auto wrong_host = get("https://veer-wrong-name.test:" + port + "/", certificates.ca_file);
  wrong_host.resolve = {"veer-wrong-name.test:" + port + ":127.0.0.1"};
  auto refused = http::send(wrong_host);
  REQUIRE_FALSE(refused.ok());
  CHECK(contains(refused.error().message, "TLS: "));
  CHECK(contains(refused.error().message, "veer-wrong-name.test"));

  auto skip = get("https://veer-wrong-name.test:" + port + "/", certificates.other_ca_file);
  skip.resolve = wrong_host.resolve;
  skip.insecure_skip_verify = true;
  auto accepted = http::send(skip);
  REQUIRE_MESSAGE(accepted.ok(), (accepted.ok() ? "" : accepted.error().message));
  CHECK(accepted->body == "ok");
}
