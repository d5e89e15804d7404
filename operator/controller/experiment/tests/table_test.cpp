// `veer status`'s Experiment rows: read from the status alone, tolerant of a status not written
// yet.
#include <doctest/doctest.h>

#include "operator/controller/experiment/experiment_table.hpp"

using namespace veer::controller::experiment;
using nlohmann::json;

TEST_CASE("an Experiment's row shows its looks, weights, cut-offs, likeliest best and winner") {
  json e = {{"metadata", {{"name", "redesign"}, {"namespace", "shop"}}},
            {"spec", {{"duration", {{"iterations", 24}}}}},
            {"status",
             {{"phase", "Running"},
              {"completedIterations", 6},
              {"message", "running: current=60 express=40 one-page=0"},
              {"versions",
               {{{"name", "current"}, {"weight", 60}},
                {{"name", "one-page"}, {"weight", 0}, {"cutOff", true}},
                {{"name", "express"}, {"weight", 40}}}},
              {"evidence",
               {{"versions",
                 {{{"name", "current"}, {"probabilityBest", 0.061}},
                  {{"name", "one-page"}, {"probabilityBest", 0.0}},
                  {{"name", "express"}, {"probabilityBest", 0.939}}}}}}}}};
  auto row = experiment_row(e);
  CHECK(row.looks == "6/24");
  CHECK(row.weights == "current=60 one-page=0x express=40");
  CHECK(row.p_best == "express 0.94");
  CHECK(row.winner.empty());
  auto table = render_experiment_table({row});
  CHECK(table.rfind("NAMESPACE  NAME", 0) == 0);
  CHECK(table.find("shop       redesign  Running") != std::string::npos);

  auto fresh = experiment_row({{"metadata", {{"name", "new"}}}, {"spec", json::object()}});
  CHECK(fresh.phase == "Pending");
  CHECK(fresh.looks == "0/10");
  CHECK(fresh.weights.empty());
  CHECK(fresh.p_best.empty());
}

TEST_CASE("the likeliest best is read where the assessment writes it, with each reward") {
  // The shape analysis/experiment/assessment.cpp writes: P(best) inside each version's reward.
  json e = {
      {"metadata", {{"name", "redesign"}, {"namespace", "shop"}}},
      {"status",
       {{"evidence",
         {{"versions",
           {{{"name", "current"}, {"reward", {{"events", 50}, {"probabilityBest", 0.02}}}},
            {{"name", "one-page"}, {"judged", false}},
            {{"name", "express"}, {"reward", {{"events", 90}, {"probabilityBest", 0.98}}}}}}}}}}};
  CHECK(experiment_row(e).p_best == "express 0.98");
}
