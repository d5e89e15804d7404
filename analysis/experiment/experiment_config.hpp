// The assessment's and the allocation's settings, read from an Experiment's spec.
//
// Limits and absolute margins are in the metric's unit: the built-in request-success-rate is a
// percentage (events / trials × 100, as Flagger reports it); every other counted metric is the
// fraction events / trials.
#pragma once

#include <string_view>

#include "analysis/experiment/allocation.hpp"
#include "analysis/experiment/assessment.hpp"
#include "model/experiment.hpp"

namespace veer::analysis::experiment {

// The scale between a metric's unit and the rate events / trials (100 for a percentage).
double metric_scale(std::string_view metric);

AssessmentConfig assessment_config(const model::ExperimentSpec& spec);

// `uid`: the object's uid, the seed's source when spec.strategy.seed is 0.
AllocationConfig allocation_config(const model::ExperimentSpec& spec, std::string_view uid);

}  // namespace veer::analysis::experiment
