#include "e2e/traffic/tests/support/slack_receiver.hpp"

#include <nlohmann/json.hpp>

namespace veer::e2e::traffic {

SlackReceiver::SlackReceiver(Mode mode)
    : state_(std::make_shared<State>()),
      server_([state = state_](const testing::HttpRequest& request) {
        Attempt attempt{std::chrono::steady_clock::now(), Mode::ok, request.path, request.body, ""};
        auto parsed = nlohmann::json::parse(request.body, nullptr, false);
        if (parsed.is_object()) attempt.text = parsed.value("text", "");
        std::lock_guard lock(state->mutex);
        attempt.answer = state->mode;
        if (!state->scripted.empty()) {
          attempt.answer = state->scripted.front();
          state->scripted.pop_front();
        }
        state->attempts.push_back(attempt);
        testing::HttpResponse response;
        switch (attempt.answer) {
          case Mode::ok:
            response = {200, {{"Content-Type", "text/plain"}}, "ok"};
            break;
          case Mode::error500:
            response = {500, {{"Content-Type", "text/plain"}}, "internal_error"};
            break;
          case Mode::hang:
            response.never_answer = true;
            break;
        }
        return response;
      }) {
  set_mode(mode);
}

void SlackReceiver::set_mode(Mode mode) {
  std::lock_guard lock(state_->mutex);
  state_->mode = mode;
}

void SlackReceiver::script(std::vector<Mode> first, Mode then) {
  std::lock_guard lock(state_->mutex);
  state_->scripted.assign(first.begin(), first.end());
  state_->mode = then;
}

std::vector<SlackReceiver::Attempt> SlackReceiver::attempts() const {
  std::lock_guard lock(state_->mutex);
  return state_->attempts;
}

const char* to_string(SlackReceiver::Mode mode) {
  switch (mode) {
    case SlackReceiver::Mode::ok:
      return "ok";
    case SlackReceiver::Mode::error500:
      return "500";
    case SlackReceiver::Mode::hang:
      return "no answer";
  }
  return "?";
}

}  // namespace veer::e2e::traffic
