// Validates one document of any veer kind: what `veer validate` runs on each document.
#pragma once

#include <string>
#include <vector>

#include "model/document.hpp"
#include "model/provider_inference.hpp"
#include "model/validation.hpp"

namespace veer::model {

// True for apiVersion veer.dev/<anything>: a document veer should validate.
bool is_veer_document(const Document& document);
// True for apiVersion flagger.app/<anything>.
bool is_flagger_document(const Document& document);

struct ValidationOptions {
  // Validate flagger.app/v1beta1 documents as Flagger would run them: what only veer lacks
  // (a router, a metrics provider) becomes a note instead of an error.
  bool flagger = false;
  // The operator's --mesh-provider for Canaries without spec.provider; "" = none given.
  std::string mesh_provider;
  // Without mesh_provider: infer the provider from the document (with a note), falling back to
  // `fallback_provider`. Off: a missing spec.provider is validated as it reads.
  bool infer_provider = false;
  std::string fallback_provider = "kubernetes";
  IngressClasses ingress_classes;
};

struct DocumentCheck {
  std::vector<FieldError> errors;
  std::vector<FieldError> notes;  // what a reader should know but is not wrong
};

// Every problem of a veer (or, with options.flagger, Flagger) document, with lines filled in
// from the document; an unknown kind is itself an error.
DocumentCheck check_document(const Document& document, const ValidationOptions& options);
// check_document with default options, errors only.
std::vector<FieldError> validate_document(const Document& document);

// The MetricTemplate provider types veer can query (analysis/providers/factory.cpp); the other
// types Flagger knows are refused by veer validate.
const std::vector<std::string>& measurable_metric_provider_types();

}  // namespace veer::model
