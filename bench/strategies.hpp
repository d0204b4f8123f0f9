// What the strategy benchmarks (bug_corpus_bench, strategy_bench, strategy_scale_bench)
// share: the strategies they compare, by the name WEFT_STRATEGY gives them, the
// `--strategy NAME` filter, and percentiles over seeds.
#pragma once

#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace weft_bench {

struct Strat {
  const char* name;  // as WEFT_STRATEGY spells it
  weft::StrategyKind kind;
  unsigned param;  // pct's depth, dfs's preemption bound
};

// Every strategy explore() offers, with the parameters the tables use.
inline constexpr Strat kStrategies[] = {
    {"random", weft::StrategyKind::random, 0}, {"pct:3", weft::StrategyKind::pct, 3},
    {"pos", weft::StrategyKind::pos, 0},       {"dfs:2", weft::StrategyKind::dfs, 2},
    {"urw", weft::StrategyKind::urw, 0},       {"surw", weft::StrategyKind::surw, 0},
    {"mutate", weft::StrategyKind::mutate, 0},
    {"portfolio", weft::StrategyKind::portfolio, 0},
};

// Makes `o` explore with `s`.
inline void apply(const Strat& s, weft::ExploreOptions& o) {
  o.strategy = s.kind;
  if (s.kind == weft::StrategyKind::pct) o.pct_depth = s.param;
  if (s.kind == weft::StrategyKind::dfs) o.dfs_preemption_bound = s.param;
}

// Whether `s` is among the names given with --strategy (all when none were).
inline bool wanted(const Strat& s, const std::vector<std::string>& only) {
  return only.empty() || std::find(only.begin(), only.end(), s.name) != only.end();
}

// False, after saying which, when a name given with --strategy is none of `table`'s.
inline bool names_known(const std::vector<std::string>& only, std::span<const Strat> table) {
  for (const std::string& name : only) {
    const bool known = std::any_of(table.begin(), table.end(),
                                   [&](const Strat& s) { return name == s.name; });
    if (known) continue;
    std::string names;
    for (const Strat& s : table) names += std::string(" ") + s.name;
    std::fprintf(stderr, "--strategy %s: unknown; one of%s\n", name.c_str(), names.c_str());
    return false;
  }
  return true;
}

// The p-quantile (0 <= p <= 1) of v by the nearest rank; 0 for no values.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace weft_bench
