// `veer operator --admission-listen`: the webhook is HTTPS only, so an address without a
// certificate and key (or a certificate without an address) is a usage error naming the flags.
// The webhook itself is tested in operator/admission and on the real API server in e2e/admission.
#include <doctest/doctest.h>

#include "operator/cli/tests/support/run_cli.hpp"

using veer::cli::testing::run;

TEST_CASE("veer operator: admission webhook flags that cannot work are usage errors") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"operator", "--admission-listen", ":9443"},
       "--admission-listen needs --admission-tls-cert and --admission-tls-key"},
      {{"operator", "--admission-listen", ":9443", "--admission-tls-cert", "c.pem"},
       "--admission-listen needs --admission-tls-cert and --admission-tls-key"},
      {{"operator", "--admission-tls-cert", "c.pem", "--admission-tls-key", "k.pem"},
       "need --admission-listen"},
      {{"operator", "--admission-listen", "9443", "--admission-tls-cert", "c.pem",
        "--admission-tls-key", "k.pem"},
       "--admission-listen \"9443\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    auto r = run(c.args);
    CHECK(r.code == 64);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  auto help = run({"operator", "--help"});
  for (const char* flag : {"--admission-listen", "--admission-tls-cert", "--admission-tls-key"}) {
    CAPTURE(flag);
    CHECK(help.out.find(flag) != std::string::npos);
  }
}
