// A Slack incoming webhook on 127.0.0.1 (a test fixture on testing/http_server): it takes a POST
// of JSON and answers `ok`, as hooks.slack.com does, or, for an outage, answers 500 or holds the
// connection without answering (the sender's timeout ends it). Every attempt is recorded with its
// arrival time and the answer it got, so a test can see retries, backoff and deliveries.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "testing/http_server.hpp"

namespace veer::e2e::traffic {

class SlackReceiver {
 public:
  enum class Mode { ok, error500, hang };

  struct Attempt {
    std::chrono::steady_clock::time_point at;
    Mode answer = Mode::ok;
    std::string path;
    std::string body;  // the message as posted (its identity across retries)
    std::string text;  // its `text` field, the preview
  };

  explicit SlackReceiver(Mode mode = Mode::ok);

  void set_mode(Mode mode);
  // Answers the next attempts with `first`, one each in order, then with `then`: a failure tied
  // to attempts, not to the clock, so which message is lost and which retried is the same on
  // every run (veer delivers to one endpoint in order).
  void script(std::vector<Mode> first, Mode then);
  std::vector<Attempt> attempts() const;
  // A webhook URL with a secret path, as Slack hands them out.
  std::string webhook_url() const { return server_.url() + secret_path(); }
  static std::string secret_path() { return "/services/T0E2E/B0E2E/e2eSlackSecret"; }
  int port() const { return server_.port(); }

 private:
  struct State {
    std::mutex mutex;
    Mode mode = Mode::ok;
    std::deque<Mode> scripted;  // answers for the next attempts, before `mode`
    std::vector<Attempt> attempts;
  };
  std::shared_ptr<State> state_;  // shared with the server's handler, which it copies
  testing::HttpServer server_;
};

const char* to_string(SlackReceiver::Mode mode);

}  // namespace veer::e2e::traffic
