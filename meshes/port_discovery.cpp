#include "meshes/port_discovery.hpp"

#include <algorithm>

namespace veer::meshes {

using nlohmann::json;

namespace {

bool is_mesh_proxy(const std::string& container) {
  return container == "istio-proxy" || container == "envoy";
}

// The container port spec.service already sends traffic to.
bool is_service_port(const CanaryRouting& canary, const json& port) {
  const auto& target = canary.target_port;
  if (target.is_string()) return port.value("name", "") == target.get<std::string>();
  const int number = target.is_number_integer() ? target.get<int>() : canary.port;
  return port.value("containerPort", 0) == number;
}

}  // namespace

std::vector<ServicePort> discovered_ports(const CanaryRouting& canary, const json& pod_spec) {
  std::vector<ServicePort> ports;
  const std::string service_port_name = canary.port_name.empty() ? "http" : canary.port_name;
  auto taken = [&](const ServicePort& p) {
    if (p.name == service_port_name || (p.port == canary.port && p.protocol == "TCP")) return true;
    return std::any_of(ports.begin(), ports.end(), [&](const ServicePort& q) {
      return q.name == p.name || (q.port == p.port && q.protocol == p.protocol);
    });
  };
  for (const auto& container : pod_spec.value("containers", json::array())) {
    const auto container_name = container.value("name", "");
    if (is_mesh_proxy(container_name)) continue;
    const auto declared = container.value("ports", json::array());
    for (std::size_t i = 0; i < declared.size(); ++i) {
      const auto& p = declared[i];
      const int number = p.value("containerPort", 0);
      if (number < 1 || number > 65535 || is_service_port(canary, p)) continue;
      ServicePort port{p.value("name", ""), number, p.value("protocol", "TCP")};
      if (port.name.empty()) port.name = "tcp-" + container_name + "-" + std::to_string(i);
      if (!taken(port)) ports.push_back(std::move(port));
    }
  }
  std::sort(ports.begin(), ports.end(), [](const ServicePort& a, const ServicePort& b) {
    return a.port != b.port ? a.port < b.port : a.name < b.name;
  });
  return ports;
}

}  // namespace veer::meshes
