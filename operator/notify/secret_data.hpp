// The keys of a Kubernetes Secret object as plain strings: `data` base64-decoded, then
// `stringData` as is (it wins, as in the API). One reading for alerts, analysis and the CLI.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace veer::notify {

// Keys that cannot be read (not base64, not a string) are left out; `error`, when given, gets
// the first such problem ("data.token is not valid base64"), naming the field.
std::map<std::string, std::string> secret_data(const nlohmann::json& secret,
                                               std::string* error = nullptr);

}  // namespace veer::notify
