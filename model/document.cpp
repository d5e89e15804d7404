#include "model/document.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>

#include "model/input_files.hpp"
#include "model/yaml_builder.hpp"

namespace veer::model {

std::string child_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string to_string(const FieldError& error) {
  if (error.path.empty()) return error.reason;
  return error.path + ": " + error.reason;
}

int Document::line_of(std::string_view path) const {
  std::string p(path);
  while (!p.empty()) {
    auto it = lines.find(p);
    if (it != lines.end()) return it->second;
    auto cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return line;
}

void Document::locate(std::vector<FieldError>& errors) const {
  for (auto& e : errors)
    if (e.line == 0) e.line = line_of(e.path);
}

std::string Document::display_name() const {
  const auto* meta = json.is_object() && json.contains("metadata") ? &json["metadata"] : nullptr;
  if (!meta || !meta->is_object()) return "";
  std::string name = meta->contains("name") && (*meta)["name"].is_string()
                         ? (*meta)["name"].get<std::string>()
                         : "";
  if (meta->contains("namespace") && (*meta)["namespace"].is_string())
    return (*meta)["namespace"].get<std::string>() + "/" + name;
  return name;
}

namespace {

std::string string_field(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

}  // namespace

namespace {

// The offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < 0x80 || next > 0xBF) return i;
    }
    i += length;
  }
  return std::nullopt;
}

}  // namespace

Documents read_documents(std::string_view text, const std::string& source,
                         const ReadLimits& limits) {
  Documents out;
  if (text.size() > limits.max_file_bytes) {
    out.errors.push_back({source, 0, too_large_message(text.size(), limits)});
    return out;
  }
  // YAML and JSON are Unicode and Kubernetes stores UTF-8 only; other bytes would also make
  // every later JSON dump of a value throw (found by fuzz/targets/canary.cpp).
  if (auto bad = first_invalid_utf8(text)) {
    const auto line = 1 + std::count(text.begin(), text.begin() + *bad, '\n');
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[*bad]));
    out.errors.push_back({source, static_cast<int>(line),
                          std::string("the text is not valid UTF-8 (byte ") + byte + ")"});
    return out;
  }
  // Splitting on "---" ourselves keeps the documents before a syntax error, and lets the
  // error's line be made absolute.
  std::vector<std::pair<int, std::string>> chunks;  // (first line, text)
  {
    std::istringstream in{std::string(text)};
    std::string line_text;
    std::string chunk;
    int line_no = 0;
    int chunk_start = 1;
    while (std::getline(in, line_text)) {
      ++line_no;
      bool separator =
          line_text.rfind("---", 0) == 0 && (line_text.size() == 3 || line_text[3] == ' ' ||
                                             line_text[3] == '\t' || line_text[3] == '\r');
      if (separator) {
        chunks.emplace_back(chunk_start, chunk);
        chunk.clear();
        chunk_start = line_no;
        // Keep content after "--- " on the same line (rare) and keep line numbers aligned.
        chunk += line_text.size() > 4 ? line_text.substr(4) : "";
        chunk += "\n";
        continue;
      }
      chunk += line_text;
      chunk += "\n";
    }
    chunks.emplace_back(chunk_start, chunk);
  }
  int index = 0;
  for (const auto& [first_line, chunk_text] : chunks) {
    int offset = first_line - 1;  // yaml-cpp counts lines from the chunk's start
    auto read = read_yaml(chunk_text, limits);
    for (auto& yaml : read.documents) {
      if (yaml.json.is_null()) continue;
      if (!yaml.json.is_object()) {
        out.errors.push_back(
            {source, offset + yaml.line,
             "document is not a mapping (expected apiVersion, kind, metadata, spec)"});
        continue;
      }
      Document doc;
      doc.source = source;
      doc.index = index++;
      doc.json = std::move(yaml.json);
      doc.line = offset + yaml.line;
      doc.lines = std::move(yaml.lines);
      for (auto& [path, line] : doc.lines) line += offset;
      for (const auto& p : yaml.problems)
        out.errors.push_back({source, offset + p.line, p.message});
      doc.kind = string_field(doc.json, "kind");
      doc.api_version = string_field(doc.json, "apiVersion");
      out.documents.push_back(std::move(doc));
    }
    for (const auto& e : read.errors) out.errors.push_back({source, offset + e.line, e.message});
  }
  return out;
}

std::vector<Document> expand_lists(const Document& document) {
  const auto& j = document.json;
  bool is_list = document.kind.size() >= 4 &&
                 document.kind.compare(document.kind.size() - 4, 4, "List") == 0 &&
                 j.contains("items") && j["items"].is_array();
  if (!is_list) return {document};
  std::vector<Document> out;
  for (std::size_t i = 0; i < j["items"].size(); ++i) {
    const auto& item = j["items"][i];
    if (!item.is_object()) continue;
    Document d;
    d.json = item;
    d.kind = string_field(item, "kind");
    d.api_version = string_field(item, "apiVersion");
    d.source = document.source;
    d.index = static_cast<int>(i);
    std::string prefix = index_path("items", i);
    d.line = document.line_of(prefix);
    for (const auto& [path, line] : document.lines)
      if (path.rfind(prefix + ".", 0) == 0) d.lines[path.substr(prefix.size() + 1)] = line;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<Document> expand_lists(const std::vector<Document>& documents) {
  std::vector<Document> out;
  for (const auto& doc : documents) {
    auto expanded = expand_lists(doc);
    out.insert(out.end(), expanded.begin(), expanded.end());
  }
  return out;
}

Documents read_documents_from_file(const std::filesystem::path& path, const ReadLimits& limits) {
  auto file = read_bounded_file(path.string(), limits);
  if (!file.error.empty()) {
    Documents out;
    out.errors.push_back({path.string(), 0, file.error});
    return out;
  }
  return read_documents(file.text, path.string(), limits);
}

}  // namespace veer::model
