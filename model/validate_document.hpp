// Validates one document of any veer kind: what `veer validate` runs on each document.
#pragma once

#include <vector>

#include "model/document.hpp"
#include "model/validation.hpp"

namespace veer::model {

// True for apiVersion veer.dev/<anything>: a document veer should validate.
bool is_veer_document(const Document& document);

// Every problem of a veer document (Canary, MetricTemplate, AlertProvider, Experiment), with
// lines filled in from the document; an unknown veer kind is itself an error.
std::vector<FieldError> validate_document(const Document& document);

}  // namespace veer::model
