// A listening TCP socket on 127.0.0.1 with a port the kernel picked, for the test servers.
#pragma once

namespace veer::analysis::testing {

// The socket; `port` receives its port. Throws std::runtime_error naming `who` when it cannot.
int listen_on_loopback(int& port, const char* who);

}  // namespace veer::analysis::testing
