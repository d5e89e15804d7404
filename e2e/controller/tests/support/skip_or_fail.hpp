// An e2e case must never pass without running: these run one case of an e2e test binary as CTest
// would, without VEER_TEST_KUBECONFIG (it must report skipped) and with it naming a server that
// does not answer (it must fail).
#pragma once

#include <string>

#include "e2e/controller/tests/support/process.hpp"

namespace veer::e2e {

// `binary` run with `--test-case=<test_case>` and VEER_TEST_KUBECONFIG unset.
CommandResult run_without_kubeconfig(const std::string& binary, const std::string& test_case);
// The same with VEER_TEST_KUBECONFIG naming a kubeconfig whose server is a closed loopback port.
CommandResult run_with_silent_server(const std::string& binary, const std::string& test_case);

}  // namespace veer::e2e
