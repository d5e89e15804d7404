#include "operator/kube/label_selector.hpp"

#include <algorithm>
#include <cctype>

namespace veer::kube {
namespace {

ApiError bad_selector(const std::string& text, const std::string& why) {
  return ApiError{ErrorType::BadRequest, 400, "BadRequest",
                  "unable to parse label selector \"" + text + "\": " + why};
}

bool label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

class Lexer {
 public:
  explicit Lexer(const std::string& text) : text_(text) {}
  void skip_space() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }
  bool take(const std::string& token) {
    skip_space();
    if (text_.compare(pos_, token.size(), token) != 0) return false;
    pos_ += token.size();
    return true;
  }
  std::string word() {
    skip_space();
    std::size_t start = pos_;
    while (pos_ < text_.size() && label_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // "in" / "notin" only when followed by a space or '('.
  bool take_keyword(const std::string& keyword) {
    skip_space();
    if (text_.compare(pos_, keyword.size(), keyword) != 0) return false;
    std::size_t after = pos_ + keyword.size();
    if (after < text_.size() && label_char(text_[after])) return false;
    pos_ = after;
    return true;
  }
  std::size_t pos() const { return pos_; }

 private:
  const std::string& text_;
  std::size_t pos_ = 0;
};

std::string where(std::size_t pos) {
  return "at character " + std::to_string(pos + 1);
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector selector;
  Lexer lex(text);
  if (lex.at_end()) return selector;
  while (true) {
    Requirement r;
    if (lex.take("!")) {
      r.key = lex.word();
      r.op = Requirement::Op::DoesNotExist;
    } else {
      r.key = lex.word();
      if (r.key.empty()) return bad_selector(text, "expected a label key " + where(lex.pos()));
      if (lex.take("!=")) {
        r.op = Requirement::Op::NotEquals;
        r.values = {lex.word()};
      } else if (lex.take("==") || lex.take("=")) {
        r.op = Requirement::Op::Equals;
        r.values = {lex.word()};
      } else if (bool notin = lex.take_keyword("notin"); notin || lex.take_keyword("in")) {
        r.op = notin ? Requirement::Op::NotIn : Requirement::Op::In;
        if (!lex.take("(")) return bad_selector(text, "expected '(' " + where(lex.pos()));
        while (true) {
          r.values.push_back(lex.word());
          if (lex.take(")")) break;
          if (!lex.take(",")) return bad_selector(text, "expected ',' or ')' " + where(lex.pos()));
        }
      } else {
        r.op = Requirement::Op::Exists;
      }
    }
    if (r.key.empty()) return bad_selector(text, "expected a label key " + where(lex.pos()));
    selector.requirements_.push_back(std::move(r));
    if (lex.at_end()) break;
    if (!lex.take(",")) return bad_selector(text, "expected ',' " + where(lex.pos()));
  }
  return selector;
}

Result<LabelSelector> LabelSelector::from_object(const Json& object) {
  LabelSelector selector;
  if (object.is_null()) return selector;
  if (!object.is_object()) return bad_selector(object.dump(), "a LabelSelector is an object");
  if (auto labels = object.find("matchLabels"); labels != object.end() && labels->is_object()) {
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string())
        return bad_selector(object.dump(), "matchLabels." + key + " is not a string");
      selector.requirements_.push_back({key, Requirement::Op::Equals, {value.get<std::string>()}});
    }
  }
  if (auto exprs = object.find("matchExpressions"); exprs != object.end() && exprs->is_array()) {
    for (const auto& e : *exprs) {
      Requirement r;
      r.key = e.value("key", "");
      std::string op = e.value("operator", "");
      if (op == "In")
        r.op = Requirement::Op::In;
      else if (op == "NotIn")
        r.op = Requirement::Op::NotIn;
      else if (op == "Exists")
        r.op = Requirement::Op::Exists;
      else if (op == "DoesNotExist")
        r.op = Requirement::Op::DoesNotExist;
      else
        return bad_selector(object.dump(), "unknown matchExpressions operator \"" + op + "\"");
      if (auto values = e.find("values"); values != e.end() && values->is_array())
        for (const auto& v : *values) r.values.push_back(v.get<std::string>());
      selector.requirements_.push_back(std::move(r));
    }
  }
  return selector;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    auto in_values = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    switch (r.op) {
      case Requirement::Op::Equals:
      case Requirement::Op::In:
        if (!in_values()) return false;
        break;
      case Requirement::Op::NotEquals:
      case Requirement::Op::NotIn:
        if (in_values()) return false;
        break;
      case Requirement::Op::Exists:
        if (!has) return false;
        break;
      case Requirement::Op::DoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

bool LabelSelector::matches(const Json& object) const {
  if (requirements_.empty()) return true;
  std::map<std::string, std::string> labels;
  auto meta = object.find("metadata");
  if (meta != object.end()) {
    auto l = meta->find("labels");
    if (l != meta->end() && l->is_object())
      for (const auto& [k, v] : l->items())
        if (v.is_string()) labels[k] = v.get<std::string>();
  }
  return matches(labels);
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ",";
    auto joined = [&] {
      std::string s;
      for (const auto& v : r.values) s += (s.empty() ? "" : ",") + v;
      return s;
    };
    switch (r.op) {
      case Requirement::Op::Equals:
        out += r.key + "=" + r.values.at(0);
        break;
      case Requirement::Op::NotEquals:
        out += r.key + "!=" + r.values.at(0);
        break;
      case Requirement::Op::In:
        out += r.key + " in (" + joined() + ")";
        break;
      case Requirement::Op::NotIn:
        out += r.key + " notin (" + joined() + ")";
        break;
      case Requirement::Op::Exists:
        out += r.key;
        break;
      case Requirement::Op::DoesNotExist:
        out += "!" + r.key;
        break;
    }
  }
  return out;
}

Result<FieldSelector> FieldSelector::parse(const std::string& text) {
  FieldSelector selector;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string term = text.substr(start, end - start);
    start = end + 1;
    if (term.empty()) continue;
    Term t;
    std::size_t op = term.find("!=");
    std::size_t op_len = 2;
    if (op != std::string::npos) {
      t.equals = false;
    } else if ((op = term.find("==")) == std::string::npos) {
      op = term.find('=');
      op_len = 1;
    }
    if (op == std::string::npos)
      return ApiError{ErrorType::BadRequest, 400, "BadRequest",
                      "invalid field selector \"" + text + "\": \"" + term + "\" has no operator"};
    t.field = term.substr(0, op);
    t.value = term.substr(op + op_len);
    if (t.field != "metadata.name" && t.field != "metadata.namespace")
      return ApiError{ErrorType::BadRequest, 400, "BadRequest",
                      "field label not supported: " + t.field +
                          " (only metadata.name and metadata.namespace work for every type)"};
    selector.terms_.push_back(std::move(t));
  }
  return selector;
}

bool FieldSelector::matches(const Json& object) const {
  for (const auto& t : terms_) {
    std::string actual = t.field == "metadata.name" ? name_of(object) : namespace_of(object);
    if ((actual == t.value) != t.equals) return false;
  }
  return true;
}

}  // namespace veer::kube
