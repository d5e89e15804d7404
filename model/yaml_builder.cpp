#include "model/yaml_builder.hpp"

#include <sstream>
#include <unordered_map>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "model/document.hpp"
#include "model/yaml_scalar.hpp"

namespace veer::model {

namespace {

// Thrown from the event handler to stop the parser when a document must be refused.
struct Refusal {
  int line;
  std::string message;
};

class Builder final : public YAML::EventHandler {
 public:
  // `text_bytes` bounds the nodes a document can hold without aliases: every node takes at
  // least one character. yaml-cpp 0.7 can emit nulls without end on some malformed flow input
  // (found by fuzz/targets/kubeconfig.cpp); the budget turns that into an error.
  Builder(const ReadLimits& limits, std::size_t text_bytes)
      : limits_(limits), max_events_(2 * text_bytes + 16) {}

  YamlDocument take() { return std::move(doc_); }

  void OnDocumentStart(const YAML::Mark&) override {
    doc_ = {};
    stack_.clear();
    anchors_.clear();
    aliases_ = 0;
    alias_nodes_ = 0;
    events_ = 0;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    count_event(mark);
    if (take_key("?", mark)) return;
    remember(anchor, nullptr, 1);
    place(nullptr, 1, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    count_event(mark);
    auto found = anchors_.find(anchor);
    if (found == anchors_.end() || found->second.open)
      throw Refusal{mark.line + 1, where() +
                                       "an alias refers to a node that contains it (a "
                                       "recursive alias cannot be expanded)"};
    const Anchor& a = found->second;
    if (take_key(a.value.is_string() ? a.value.get<std::string>() : "?", mark)) return;
    ++aliases_;
    alias_nodes_ += a.nodes;
    if (aliases_ > limits_.max_aliases)
      throw Refusal{mark.line + 1, "more than " + std::to_string(limits_.max_aliases) +
                                       " aliases in one document; veer refuses it"};
    if (alias_nodes_ > limits_.max_alias_nodes)
      throw Refusal{mark.line + 1, "aliases expand to more than " +
                                       std::to_string(limits_.max_alias_nodes) +
                                       " nodes in one document (an alias bomb?); veer refuses it"};
    place(a.value, a.nodes, mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    count_event(mark);
    if (take_key(text, mark)) {
      remember(anchor, text, 1);
      return;
    }
    nlohmann::json value;
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      value = text;
    } else {
      auto typed = type_plain_scalar(text);
      if (!typed.problem.empty()) doc_.problems.push_back({mark.line + 1, where() + typed.problem});
      value = std::move(typed.value);
    }
    remember(anchor, value, 1);
    place(std::move(value), 1, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    count_event(mark);
    open(nlohmann::json::array(), mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    count_event(mark);
    open(nlohmann::json::object(), mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    nlohmann::json value;  // an object or an array being filled
    std::string path;
    YAML::Mark mark;
    YAML::anchor_t anchor = 0;
    std::size_t nodes = 1;
    bool is_key = false;  // a mapping or sequence used as a key: read, then dropped
    bool expecting_key = true;
    std::string key;
    int key_line = 0;
  };
  struct Anchor {
    nlohmann::json value;
    std::size_t nodes = 0;
    bool open = true;  // still being read: an alias to it would contain itself
  };

  bool in_map() const { return !stack_.empty() && stack_.back().value.is_object(); }

  // The path of the node about to be placed.
  std::string next_path() const {
    if (stack_.empty()) return "";
    const Frame& top = stack_.back();
    if (top.value.is_object()) return child_path(top.path, top.key);
    return index_path(top.path, top.value.size());
  }

  std::string where() const {
    std::string path = next_path();
    return path.empty() ? "" : path + ": ";
  }

  // In key position a scalar becomes the key; returns false when the node is a value.
  bool take_key(const std::string& key, const YAML::Mark& mark) {
    if (!in_map() || !stack_.back().expecting_key) return false;
    Frame& top = stack_.back();
    top.key = key;
    top.key_line = mark.line + 1;
    top.expecting_key = false;
    return true;
  }

  void remember(YAML::anchor_t anchor, const nlohmann::json& value, std::size_t nodes) {
    if (anchor != 0) anchors_[anchor] = {value, nodes, false};
  }

  void open(nlohmann::json empty, const YAML::Mark& mark, YAML::anchor_t anchor) {
    bool is_key = in_map() && stack_.back().expecting_key;
    std::string path = is_key ? stack_.back().path : next_path();
    if (stack_.size() >= static_cast<std::size_t>(limits_.max_depth))
      throw Refusal{mark.line + 1, (path.empty() ? "" : path + ": ") + "nested deeper than " +
                                       std::to_string(limits_.max_depth) +
                                       " levels; veer refuses it"};
    if (anchor != 0) anchors_[anchor] = {};
    Frame frame;
    frame.value = std::move(empty);
    frame.path = std::move(path);
    frame.mark = mark;
    frame.anchor = anchor;
    frame.is_key = is_key;
    stack_.push_back(std::move(frame));
  }

  void count_event(const YAML::Mark& mark) {
    if (++events_ > max_events_)
      throw Refusal{mark.line + 1,
                    "the YAML parser reports more nodes than the text can hold (malformed "
                    "input); veer refuses it"};
  }

  void close() {
    Frame done = std::move(stack_.back());
    stack_.pop_back();
    if (done.is_key) {
      take_key("?", done.mark);
      return;
    }
    remember(done.anchor, done.value, done.nodes);
    place(std::move(done.value), done.nodes, done.mark);
  }

  void place(nlohmann::json value, std::size_t nodes, const YAML::Mark& mark) {
    if (stack_.empty()) {
      doc_.json = std::move(value);
      doc_.line = mark.line + 1;
      return;
    }
    Frame& top = stack_.back();
    top.nodes += nodes;
    if (top.value.is_object()) {
      std::string path = child_path(top.path, top.key);
      if (top.value.contains(top.key))
        doc_.problems.push_back({top.key_line, path + ": duplicate key \"" + top.key + "\""});
      doc_.lines[path] = top.key_line;
      top.value[top.key] = std::move(value);
      top.expecting_key = true;
      return;
    }
    doc_.lines[index_path(top.path, top.value.size())] = mark.line + 1;
    top.value.push_back(std::move(value));
  }

  const ReadLimits& limits_;
  YamlDocument doc_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchor> anchors_;
  std::size_t aliases_ = 0;
  std::size_t alias_nodes_ = 0;
  std::size_t max_events_;
  std::size_t events_ = 0;
};

}  // namespace

YamlRead read_yaml(std::string_view text, const ReadLimits& limits) {
  YamlRead out;
  std::istringstream in{std::string(text)};
  Builder builder(limits, text.size());
  try {
    YAML::Parser parser(in);
    // Each document takes at least one byte; more means the parser no longer advances (a
    // fuzzed input made yaml-cpp report empty documents without end).
    while (parser.HandleNextDocument(builder)) {
      if (out.documents.size() > text.size())
        throw Refusal{1, "more YAML documents than bytes in the input (" +
                             std::to_string(text.size()) + "): the parser does not advance"};
      out.documents.push_back(builder.take());
    }
  } catch (const Refusal& r) {
    out.errors.push_back({r.line, r.message});
  } catch (const YAML::ParserException& e) {
    out.errors.push_back({e.mark.line + 1, "YAML syntax error: " + e.msg + " (column " +
                                               std::to_string(e.mark.column + 1) + ")"});
  } catch (const YAML::Exception& e) {
    out.errors.push_back({e.mark.line + 1, std::string("YAML error: ") + e.what()});
  }
  return out;
}

}  // namespace veer::model
