#include "operator/kube/watch_frames.hpp"

namespace veer::kube {

bool take_lines(std::string& buffer, std::vector<std::string>& lines, std::size_t max_line) {
  std::size_t start = 0;
  for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1)
    if (nl > start) lines.push_back(buffer.substr(start, nl - start));
  buffer.erase(0, start);
  return buffer.size() <= max_line;
}

std::optional<WatchEvent> decode_watch_frame(const std::string& line) {
  Json frame = Json::parse(line, nullptr, false);
  if (frame.is_discarded() || !frame.is_object()) return std::nullopt;
  auto type = frame.find("type");
  if (type == frame.end() || !type->is_string()) return std::nullopt;
  WatchEvent event;
  const auto& name = type->get_ref<const std::string&>();
  if (name == "ADDED")
    event.type = WatchEvent::Type::Added;
  else if (name == "MODIFIED")
    event.type = WatchEvent::Type::Modified;
  else if (name == "DELETED")
    event.type = WatchEvent::Type::Deleted;
  else if (name == "BOOKMARK")
    event.type = WatchEvent::Type::Bookmark;
  else if (name == "ERROR")
    event.type = WatchEvent::Type::Error;
  else
    return std::nullopt;
  // Every event carries an object (a Status for ERROR); one without is not an event.
  auto object = frame.find("object");
  if (object == frame.end() || !object->is_object()) return std::nullopt;
  event.object = std::move(*object);
  return event;
}

}  // namespace veer::kube
