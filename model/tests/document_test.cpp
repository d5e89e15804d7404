#include <doctest/doctest.h>

#include "model/document.hpp"

using veer::model::read_documents;

TEST_CASE("a multi-document YAML file yields each document with its kind and field lines") {
  auto docs = read_documents(R"(# comment
apiVersion: veer.dev/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  analysis:
    webhooks:
    - name: a
      url: http://a
    - name: b
      url: http://b
---
---
apiVersion: v1
kind: Service
metadata: {name: svc}
)",
                             "file.yaml");
  REQUIRE(docs.errors.empty());
  REQUIRE(docs.documents.size() == 2);
  const auto& canary = docs.documents[0];
  CHECK(canary.kind == "Canary");
  CHECK(canary.api_version == "veer.dev/v1beta1");
  CHECK(canary.source == "file.yaml");
  CHECK(canary.line == 2);
  CHECK(canary.line_of("spec.analysis.webhooks[1].url") == 12);
  CHECK(canary.line_of("spec.analysis.webhooks[1]") == 11);
  // A path that is not in the file falls back to its nearest ancestor.
  CHECK(canary.line_of("spec.analysis.webhooks[1].timeout") == 11);
  CHECK(canary.line_of("spec.service.port") == 6);
  const auto& service = docs.documents[1];
  CHECK(service.kind == "Service");
  CHECK(service.index == 1);
  CHECK(service.line == 15);
  CHECK(service.line_of("metadata.name") == 17);
}

TEST_CASE("scalars are typed like Kubernetes reads YAML") {
  auto docs = read_documents(R"(
int: 42
negative: -7
float: 0.5
exp: 1e3
yes_string: "true"
quoted_number: "80"
bool: true
null_value: ~
word: hello
version: 1.2.3
single: '1'
)",
                             "s");
  REQUIRE(docs.documents.size() == 1);
  const auto& j = docs.documents[0].json;
  CHECK(j["int"] == 42);
  CHECK(j["int"].is_number_integer());
  CHECK(j["negative"] == -7);
  CHECK(j["float"] == 0.5);
  CHECK(j["exp"] == 1000.0);
  CHECK(j["yes_string"] == "true");
  CHECK(j["quoted_number"] == "80");
  CHECK(j["bool"] == true);
  CHECK(j["null_value"].is_null());
  CHECK(j["word"] == "hello");
  CHECK(j["version"] == "1.2.3");
  CHECK(j["single"] == "1");
}

TEST_CASE("JSON input is read too") {
  auto docs = read_documents(R"({"apiVersion": "veer.dev/v1beta1", "kind": "AlertProvider",
  "spec": {"type": "slack", "port": 80}})",
                             "a.json");
  REQUIRE(docs.documents.size() == 1);
  CHECK(docs.documents[0].kind == "AlertProvider");
  CHECK(docs.documents[0].json["spec"]["port"] == 80);
  CHECK(docs.documents[0].line_of("spec.type") == 2);
}

TEST_CASE("a YAML syntax error reports its line and keeps the documents before it") {
  auto docs = read_documents(R"(kind: A
---
kind: B
spec:
  list: [1, 2
  other: x
)",
                             "broken.yaml");
  REQUIRE(docs.documents.size() == 1);
  CHECK(docs.documents[0].kind == "A");
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].source == "broken.yaml");
  CHECK(docs.errors[0].line >= 5);
  CHECK(docs.errors[0].line <= 7);
  CHECK(docs.errors[0].message.find("YAML syntax error") == 0);
}

TEST_CASE("duplicate keys and non-mapping documents are reported") {
  auto docs = read_documents("kind: A\nkind: B\n---\n- just\n- a list\n", "d.yaml");
  REQUIRE(docs.errors.size() == 2);
  CHECK(docs.errors[0].line == 2);
  CHECK(docs.errors[0].message.find("duplicate key") != std::string::npos);
  CHECK(docs.errors[1].line == 4);
  CHECK(docs.errors[1].message.find("not a mapping") != std::string::npos);
}

TEST_CASE("an unreadable file is an error, not a crash") {
  auto docs = veer::model::read_documents_from_file("/nonexistent/veer.yaml");
  CHECK(docs.documents.empty());
  REQUIRE(docs.errors.size() == 1);
  CHECK(docs.errors[0].message == "cannot read file");
}

TEST_CASE("a kind: List (kubectl get -o yaml) expands into its items with their lines") {
  auto docs = read_documents(R"(apiVersion: v1
kind: List
items:
- apiVersion: veer.dev/v1beta1
  kind: Canary
  metadata:
    name: a
- apiVersion: veer.dev/v1beta1
  kind: AlertProvider
  metadata:
    name: b
)",
                             "list.yaml");
  REQUIRE(docs.documents.size() == 1);
  auto items = veer::model::expand_lists(docs.documents);
  REQUIRE(items.size() == 2);
  CHECK(items[0].kind == "Canary");
  CHECK(items[0].line == 4);
  CHECK(items[0].line_of("metadata.name") == 7);
  CHECK(items[1].kind == "AlertProvider");
  CHECK(items[1].api_version == "veer.dev/v1beta1");
  CHECK(items[1].line_of("metadata.name") == 11);
  CHECK(items[1].display_name() == "b");
}
