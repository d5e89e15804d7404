// A child process for end-to-end tests: started with its output in a log file, killed by its own
// pid (SIGKILL for crash tests, SIGTERM then SIGKILL on destruction), never by name.
#pragma once

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <sys/types.h>

namespace veer::e2e {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] is a path) with stdout and stderr appended to `log_path`.
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and reaps the process; returns its wait status description ("killed by 9").
  std::string stop(int signal, std::chrono::milliseconds grace = std::chrono::seconds(10));
  const std::string& log_path() const { return log_path_; }
  std::string log() const;
  // Waits until the log (from byte `from` on) matches `pattern`; the first sub-match, or nullopt
  // when the process exits or the timeout passes.
  std::optional<std::string> wait_for_log(const std::regex& pattern,
                                          std::chrono::milliseconds timeout, std::size_t from = 0);

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string exit_;  // how it ended, once reaped
};

struct CommandResult {
  int status = -1;  // exit code, -1 when it did not exit normally
  std::string out;  // stdout and stderr
};

// Runs argv to completion (no shell), capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace veer::e2e
