#include "operator/kube/packed_json.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>

namespace veer::kube {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 256;

class Reader {
 public:
  Reader(const std::uint8_t* at, const std::uint8_t* end) : at_(at), end_(end) {}

  bool at_end() const { return at_ == end_; }

  // Decodes one value into `out`; false: not decoded here (from_msgpack decides).
  bool value(json& out, int depth) {
    if (depth > kMaxDepth || at_ == end_) return false;
    const std::uint8_t byte = *at_++;
    if (byte <= 0x7f) {  // positive fixint
      out = static_cast<json::number_unsigned_t>(byte);
      return true;
    }
    if (byte >= 0xe0) {  // negative fixint
      out = static_cast<json::number_integer_t>(static_cast<std::int8_t>(byte));
      return true;
    }
    if (byte >= 0xa0 && byte <= 0xbf) return string(byte & 0x1fu, out);
    if (byte >= 0x90 && byte <= 0x9f) return array(byte & 0x0fu, out, depth);
    if (byte >= 0x80 && byte <= 0x8f) return map(byte & 0x0fu, out, depth);
    switch (byte) {
      case 0xc0:
        out = nullptr;
        return true;
      case 0xc2:
        out = false;
        return true;
      case 0xc3:
        out = true;
        return true;
      case 0xca: {
        std::uint32_t bits = 0;
        if (!number(bits)) return false;
        float f = 0;
        std::memcpy(&f, &bits, sizeof f);
        out = static_cast<json::number_float_t>(f);
        return true;
      }
      case 0xcb: {
        std::uint64_t bits = 0;
        if (!number(bits)) return false;
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        out = static_cast<json::number_float_t>(d);
        return true;
      }
      case 0xcc:
        return unsigned_value<std::uint8_t>(out);
      case 0xcd:
        return unsigned_value<std::uint16_t>(out);
      case 0xce:
        return unsigned_value<std::uint32_t>(out);
      case 0xcf:
        return unsigned_value<std::uint64_t>(out);
      case 0xd0:
        return signed_value<std::uint8_t, std::int8_t>(out);
      case 0xd1:
        return signed_value<std::uint16_t, std::int16_t>(out);
      case 0xd2:
        return signed_value<std::uint32_t, std::int32_t>(out);
      case 0xd3:
        return signed_value<std::uint64_t, std::int64_t>(out);
      case 0xd9:
        return sized<std::uint8_t>(out, depth, &Reader::string_of);
      case 0xda:
        return sized<std::uint16_t>(out, depth, &Reader::string_of);
      case 0xdb:
        return sized<std::uint32_t>(out, depth, &Reader::string_of);
      case 0xdc:
        return sized<std::uint16_t>(out, depth, &Reader::array);
      case 0xdd:
        return sized<std::uint32_t>(out, depth, &Reader::array);
      case 0xde:
        return sized<std::uint16_t>(out, depth, &Reader::map);
      case 0xdf:
        return sized<std::uint32_t>(out, depth, &Reader::map);
      default:  // binary, ext, 0xc1
        return false;
    }
  }

 private:
  std::size_t left() const { return static_cast<std::size_t>(end_ - at_); }

  // A big-endian unsigned number of sizeof(T) bytes.
  template <class T>
  bool number(T& out) {
    if (left() < sizeof(T)) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = (v << 8) | at_[i];
    at_ += sizeof(T);
    out = static_cast<T>(v);
    return true;
  }
  template <class T>
  bool unsigned_value(json& out) {
    T v = 0;
    if (!number(v)) return false;
    out = static_cast<json::number_unsigned_t>(v);
    return true;
  }
  template <class U, class S>
  bool signed_value(json& out) {
    U v = 0;
    if (!number(v)) return false;
    out = static_cast<json::number_integer_t>(static_cast<S>(v));
    return true;
  }
  template <class T>
  bool sized(json& out, int depth, bool (Reader::*read)(std::size_t, json&, int)) {
    T n = 0;
    if (!number(n)) return false;
    return (this->*read)(static_cast<std::size_t>(n), out, depth);
  }

  bool string_of(std::size_t n, json& out, int) { return string(n, out); }
  bool string(std::size_t n, json& out) {
    if (left() < n) return false;
    out = json::string_t(reinterpret_cast<const char*>(at_), n);
    at_ += n;
    return true;
  }
  // A map's key: a string of any of the four string forms.
  bool key(std::string& out) {
    if (at_ == end_) return false;
    const std::uint8_t byte = *at_++;
    std::size_t n = 0;
    if (byte >= 0xa0 && byte <= 0xbf) {
      n = byte & 0x1fu;
    } else if (byte == 0xd9) {
      std::uint8_t v = 0;
      if (!number(v)) return false;
      n = v;
    } else if (byte == 0xda) {
      std::uint16_t v = 0;
      if (!number(v)) return false;
      n = v;
    } else if (byte == 0xdb) {
      std::uint32_t v = 0;
      if (!number(v)) return false;
      n = v;
    } else {
      return false;  // from_msgpack refuses a key that is not a string
    }
    if (left() < n) return false;
    out.assign(reinterpret_cast<const char*>(at_), n);
    at_ += n;
    return true;
  }
  bool array(std::size_t n, json& out, int depth) {
    out = json::array();
    auto& items = out.get_ref<json::array_t&>();
    items.reserve(std::min(n, left()));  // every element takes a byte at least
    for (std::size_t i = 0; i < n; ++i) {
      items.emplace_back();
      if (!value(items.back(), depth + 1)) return false;
    }
    return true;
  }
  bool map(std::size_t n, json& out, int depth) {
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    for (std::size_t i = 0; i < n; ++i) {
      std::string name;
      if (!key(name)) return false;
      json member;
      if (!value(member, depth + 1)) return false;
      // In written (sorted) order each key goes at the end, without a search.
      if (members.empty() || members.rbegin()->first < name) {
        members.emplace_hint(members.end(), std::move(name), std::move(member));
        continue;
      }
      // Out of order: the last of equal keys wins, as in from_msgpack.
      auto at = members.lower_bound(name);
      if (at != members.end() && at->first == name) {
        at->second = std::move(member);
      } else {
        members.emplace_hint(at, std::move(name), std::move(member));
      }
    }
    return true;
  }

  const std::uint8_t* at_;
  const std::uint8_t* end_;
};

}  // namespace

nlohmann::json unpack_json(const std::vector<std::uint8_t>& packed) {
  json out;
  Reader reader(packed.data(), packed.data() + packed.size());
  if (reader.value(out, 0) && reader.at_end()) return out;
  return json::from_msgpack(packed);
}

}  // namespace veer::kube
