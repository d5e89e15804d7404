// The keys of a Kubernetes Secret object as plain strings: `data` base64-decoded, then
// `stringData` as is (it wins, as in the API). One reading for metric providers, the dashboard's
// token and the CLI.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace veer::kube {

using SecretData = std::map<std::string, std::string>;

// Fails on the first key that cannot be read (not base64, not a string), naming the field
// ("data.token is not valid base64"); a Secret with one bad key is never read as one without it.
base::Outcome<SecretData> secret_data(const nlohmann::json& secret);

}  // namespace veer::kube
