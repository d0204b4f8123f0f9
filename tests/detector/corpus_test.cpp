// Runs every program of the corpus under weft::explore: a racy program must be reported as a
// data race within its iteration budget, a race-free one must pass every iteration.
//
// The programs run with use_environment=false and seed 1, so the verdicts do not depend on
// WEFT_*. For robustness checks: CORPUS_SEED=<n> picks another seed, CORPUS_STRATEGY=<spec>
// another strategy (as WEFT_STRATEGY spells it: pos, pct:3, surw, ...), CORPUS_VERBOSE=1
// prints how many iterations each program took.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "corpus.hpp"

namespace corpus {
namespace {

std::vector<Program> all_programs() {
  std::vector<Program> all;
  for (auto table : {chan_programs, sync_programs, atomic_programs, memory_programs,
                     misc_programs, memory_allocator_programs,
                     heap_release_race_programs}) {
    for (Program& p : table()) all.push_back(std::move(p));
  }
  return all;
}

const std::vector<Program>& programs() {
  static const std::vector<Program> all = all_programs();
  return all;
}

// CORPUS_STRATEGY: a strategy without parameter, or pct:<depth>.
void set_strategy(const std::string& spec, weft::ExploreOptions& o) {
  static const std::pair<const char*, weft::StrategyKind> names[] = {
      {"random", weft::StrategyKind::random}, {"pct", weft::StrategyKind::pct},
      {"pos", weft::StrategyKind::pos},       {"surw", weft::StrategyKind::surw},
      {"urw", weft::StrategyKind::urw},       {"mutate", weft::StrategyKind::mutate},
      {"portfolio", weft::StrategyKind::portfolio}};
  const std::string name = spec.substr(0, spec.find(':'));
  for (const auto& [n, kind] : names)
    if (name == n) {
      o.strategy = kind;
      if (kind == weft::StrategyKind::pct && name.size() < spec.size())
        o.pct_depth = static_cast<unsigned>(std::stoul(spec.substr(name.size() + 1)));
      return;
    }
  FAIL() << "CORPUS_STRATEGY=" << spec
         << ": unknown strategy; use random, pct[:depth], pos, surw, urw, mutate or portfolio";
}

class Corpus : public ::testing::TestWithParam<Program> {};

TEST_P(Corpus, Verdict) {
  const Program& p = GetParam();
  weft::ExploreOptions o;
  o.use_environment = false;
  o.iterations = p.iterations;
  o.seed = 1;
  if (const char* seed = std::getenv("CORPUS_SEED")) o.seed = std::strtoull(seed, nullptr, 10);
  if (const char* spec = std::getenv("CORPUS_STRATEGY")) set_strategy(spec, o);
  o.race_suppressions = p.suppressions;
  weft::ExploreResult r = weft::explore(p.body, o);
  if (std::getenv("CORPUS_VERBOSE"))
    std::printf("%s: %s after %llu iterations, %llu steps\n", p.name.c_str(),
                r.ok() ? "ok" : std::string(weft::failure_kind_name(r.failure->kind)).c_str(),
                static_cast<unsigned long long>(r.iterations),
                static_cast<unsigned long long>(r.steps));
  if (p.racy) {
    ASSERT_FALSE(r.ok()) << p.name << ": racy, but no report in " << r.iterations
                         << " iterations";
    EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  } else {
    EXPECT_TRUE(r.ok()) << p.name << ": race-free, but\n" << r;
  }
}

std::string program_name(const ::testing::TestParamInfo<Program>& info) {
  return (info.param.racy ? "racy_" : "free_") + info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Detector, Corpus, ::testing::ValuesIn(programs()), program_name);

TEST(CorpusTable, NamesAreUniqueAndBothVerdictsAreWellRepresented) {
  std::set<std::string> names;
  std::size_t racy = 0, free = 0;
  for (const Program& p : programs()) {
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate name " << p.name;
    (p.racy ? racy : free)++;
  }
  EXPECT_GE(programs().size(), 120u);
  EXPECT_GE(racy, 50u);
  EXPECT_GE(free, 50u);
  std::printf("corpus: %zu programs, %zu racy, %zu race-free\n", programs().size(), racy, free);
}

}  // namespace
}  // namespace corpus
