// The AlertProvider kind: where Canary alerts go (Flagger field names).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/object_meta.hpp"
#include "model/validation.hpp"

namespace veer::model {

struct AlertProviderSpec {
  // slack | msteams | discord | rocket | gchat (Flagger), webhook (veer: plain JSON POST)
  std::string type;
  std::string channel = "general";
  std::string username = "veer";
  std::string address;     // the incoming-webhook URL; the Secret's `address` key overrides it
  std::string proxy;       // HTTP(S) proxy URL
  std::string secret_ref;  // Secret with keys `address` and/or `token`, "" when none
};

struct AlertProvider {
  std::string api_version = "veer.dev/v1beta1";
  std::string kind = "AlertProvider";
  ObjectMeta metadata;
  AlertProviderSpec spec;
};

const std::vector<std::string>& alert_provider_types();

Parsed<AlertProvider> parse_alert_provider(const nlohmann::json& document,
                                           bool accept_flagger = false);
nlohmann::json to_json(const AlertProvider& provider);

}  // namespace veer::model
