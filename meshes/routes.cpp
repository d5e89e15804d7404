#include "meshes/routes.hpp"

#include <random>
#include <string>

namespace veer::meshes {

Routes weighted(int primary_weight, int canary_weight) {
  Routes routes;
  routes.primary_weight = primary_weight;
  routes.canary_weight = canary_weight;
  return routes;
}

std::optional<RouterError> check_routes(const Routes& routes) {
  auto in_range = [](int w) { return w >= 0 && w <= 100; };
  if (!in_range(routes.primary_weight) || !in_range(routes.canary_weight) ||
      routes.primary_weight + routes.canary_weight != 100) {
    return invalid("routes: weights must be integers in 0..100 that sum to 100, got primary " +
                   std::to_string(routes.primary_weight) + " and canary " +
                   std::to_string(routes.canary_weight));
  }
  if (routes.mirror_percentage && !in_range(*routes.mirror_percentage)) {
    return invalid("routes: mirror percentage must be in 0..100, got " +
                   std::to_string(*routes.mirror_percentage));
  }
  return std::nullopt;
}

std::string make_session_cookie(const std::string& cookie_name, unsigned long long seed) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> pick(0, static_cast<int>(sizeof(kLetters)) - 2);
  std::string value;
  for (int i = 0; i < 10; ++i) value += kLetters[pick(random)];
  return cookie_name + "=" + value;
}

}  // namespace veer::meshes
