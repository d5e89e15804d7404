#include "e2e/traffic/tests/support/own_cluster.hpp"

#include <filesystem>

namespace veer::e2e::traffic {

namespace {
const std::string kScripts = VEER_SOURCE_DIR "/e2e/cluster/";
}  // namespace

OwnCluster::OwnCluster(std::string dir) : dir_(std::move(dir)) {
  auto up = run_command({kScripts + "up", dir_});
  if (up.status != 0) {
    error_ = "e2e/cluster/up " + dir_ + ": " + up.out;
    return;
  }
  cluster_ = E2eCluster::from_kubeconfig(dir_ + "/kubeconfig", error_);
}

OwnCluster::~OwnCluster() {
  cluster_.reset();
  run_command({kScripts + "down", dir_});
}

std::string OwnCluster::restart_apiserver(std::chrono::seconds down) {
  auto restarted = run_command({kScripts + "restart", dir_, std::to_string(down.count())});
  return restarted.status == 0 ? "" : "e2e/cluster/restart " + dir_ + ": " + restarted.out;
}

}  // namespace veer::e2e::traffic
