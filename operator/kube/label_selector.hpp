// Kubernetes label selectors in their string form ("app=web,tier in (a,b),!legacy") and the
// LabelSelector object form (matchLabels / matchExpressions), as the API server reads them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "operator/kube/cluster.hpp"

namespace veer::kube {

class LabelSelector {
 public:
  struct Requirement {
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
    std::string key;
    Op op = Op::Exists;
    std::vector<std::string> values;
  };

  LabelSelector() = default;  // matches everything
  // Parses the string form; BadRequest names the selector and the position of the problem.
  static Result<LabelSelector> parse(const std::string& text);
  // Reads a metav1.LabelSelector object ({matchLabels, matchExpressions}).
  static Result<LabelSelector> from_object(const Json& selector);

  bool matches(const std::map<std::string, std::string>& labels) const;
  // Reads metadata.labels from an object.
  bool matches(const Json& object) const;
  bool empty() const { return requirements_.empty(); }
  // The canonical string form, for list/watch query parameters.
  std::string to_string() const;

 private:
  std::vector<Requirement> requirements_;
};

// Field selectors the API server supports on every type: metadata.name and metadata.namespace
// with =, == and !=. Other fields give BadRequest naming the field.
class FieldSelector {
 public:
  static Result<FieldSelector> parse(const std::string& text);
  bool matches(const Json& object) const;

 private:
  struct Term {
    std::string field;
    bool equals = true;
    std::string value;
  };
  std::vector<Term> terms_;
};

}  // namespace veer::kube
