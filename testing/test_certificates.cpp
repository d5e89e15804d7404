#include "testing/test_certificates.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace veer::testing {
namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("TestCertificates: failed: " + command);
  }
}

}  // namespace

TestCertificates::TestCertificates() {
  static int counter = 0;
  dir = std::filesystem::temp_directory_path() /
        ("veer-tls-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  const std::string d = dir.string() + "/";
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  run("openssl req -x509" + key + " -keyout " + d + "ca.key -out " + d +
      "ca.pem -days 1 -subj /CN=veer-test-ca");
  run("openssl req -x509" + key + " -keyout " + d + "other.key -out " + d +
      "other.pem -days 1 -subj /CN=veer-other-ca");
  run("openssl req" + key + " -keyout " + d + "server.key -out " + d +
      "server.csr -subj /CN=localhost");
  std::ofstream(d + "ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.pem -CAkey " + d +
      "ca.key -CAcreateserial -out " + d + "server.pem -days 1 -extfile " + d + "ext");
  ca_file = d + "ca.pem";
  other_ca_file = d + "other.pem";
  server_cert_file = d + "server.pem";
  server_key_file = d + "server.key";
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace veer::testing
