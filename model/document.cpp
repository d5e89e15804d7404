#include "model/document.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

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

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// [-+]?[0-9]+
bool is_integer_text(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// A plain (unquoted, untagged) scalar typed by the YAML 1.2 core schema, as Kubernetes does.
nlohmann::json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (is_integer_text(s)) {
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(begin, s.data() + s.size(), value);
    if (ec == std::errc() && end == s.data() + s.size()) return value;
    return std::stod(s);
  }
  if (is_float_text(s)) return std::stod(s);
  return s;
}

struct Converter {
  Document& doc;
  std::vector<SourceError>& errors;

  nlohmann::json convert(const YAML::Node& node, const std::string& path) {
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& item : node) {
          std::string key = item.first.IsScalar() ? item.first.Scalar() : "?";
          std::string sub = child_path(path, key);
          int key_line = item.first.Mark().line + 1;
          if (out.contains(key))
            errors.push_back({doc.source, key_line, sub + ": duplicate key \"" + key + "\""});
          doc.lines[sub] = key_line;
          out[key] = convert(item.second, sub);
        }
        return out;
      }
      case YAML::NodeType::Sequence: {
        nlohmann::json out = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : node) {
          std::string sub = index_path(path, i++);
          doc.lines[sub] = item.Mark().line + 1;
          out.push_back(convert(item, sub));
        }
        return out;
      }
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
        if (tag == "?" || tag.empty()) return plain_scalar(node.Scalar());
        return plain_scalar(node.Scalar());  // explicit !!int, !!bool, ... resolve the same way
      }
      default:
        return nullptr;
    }
  }
};

std::string string_field(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

}  // namespace

Documents read_documents(std::string_view text, const std::string& source) {
  Documents out;
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
    YAML::Node root;
    try {
      root = YAML::Load(chunk_text);
    } catch (const YAML::ParserException& e) {
      out.errors.push_back(
          {source, first_line + e.mark.line,
           "YAML syntax error: " + e.msg + " (column " + std::to_string(e.mark.column + 1) + ")"});
      continue;
    } catch (const YAML::Exception& e) {
      out.errors.push_back({source, first_line, std::string("YAML error: ") + e.what()});
      continue;
    }
    if (!root.IsDefined() || root.IsNull()) continue;
    Document doc;
    doc.source = source;
    doc.index = index++;
    int offset = first_line - 1;
    if (!root.IsMap()) {
      out.errors.push_back(
          {source, offset + root.Mark().line + 1,
           "document is not a mapping (expected apiVersion, kind, metadata, spec)"});
      continue;
    }
    std::vector<SourceError> conversion_errors;
    Converter converter{doc, conversion_errors};
    doc.json = converter.convert(root, "");
    doc.line = offset + root.Mark().line + 1;
    for (auto& [path, line] : doc.lines) line += offset;
    for (auto& e : conversion_errors) {
      e.line += offset;
      out.errors.push_back(e);
    }
    doc.kind = string_field(doc.json, "kind");
    doc.api_version = string_field(doc.json, "apiVersion");
    out.documents.push_back(std::move(doc));
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

Documents read_documents_from_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Documents out;
    out.errors.push_back({path.string(), 0, "cannot read file"});
    return out;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return read_documents(buffer.str(), path.string());
}

}  // namespace veer::model
