// The operator-wide default destinations, from flags (--slack-url, ...) or, for each flag not
// given, the environment (SLACK_URL, ...), as in Flagger. Used only for canaries without alerts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "operator/notify/destination.hpp"

namespace veer::notify {

struct GlobalDefaults {
  std::string cluster_name;
  std::string slack_url, slack_token, slack_channel, slack_user, slack_proxy;
  std::string msteams_url, msteams_proxy;
  std::string discord_url, rocket_url, gchat_url, webhook_url;

  // Destinations for every provider that has an address (Slack also with only a token).
  std::vector<Destination> destinations() const;
};

// One flag and its environment variable. `veer operator` registers each with its ArgParser:
//   for (const auto& f : global_default_flags()) parser.option(f.flag, &(d.*f.field), ...);
struct GlobalDefaultFlag {
  const char* flag;  // without "--"
  const char* env;
  const char* help;
  std::string GlobalDefaults::*field;
};
const std::vector<GlobalDefaultFlag>& global_default_flags();

// Fills every field still empty from the environment (`getenv` is injectable for tests).
void apply_environment(GlobalDefaults& d,
                       const std::function<const char*(const char*)>& getenv = nullptr);

}  // namespace veer::notify
