// The bug-kernel corpus (tests/bugs/) against every strategy: for each buggy kernel, over
// fixed seeds, whether the strategy finds the kernel's failure (of its expected kind) within
// the cap, the median and p90 schedules to it, and the median milliseconds to it (the
// exploration up to the first failure: the failing schedule is neither replayed for the
// nondeterminism check nor shrunk; a miss counts the whole cap); for each fixed twin, the
// failures in `--fixed` schedules per strategy (there must be none). Each kernel runs with
// its own race-detector setting (off for the deep-ordering ones); fixed twins run with the
// detector on. Schedule counts are deterministic for a given weft version; the
// milliseconds are not.
//
//   build/rel/bench/bug_corpus_bench [--seeds 20] [--cap 10000] [--fixed 10000]
//                                    [--kernel NAME]... [--strategy NAME]... [--no-fixed]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "strategies.hpp"
#include "weft/weft.hpp"

namespace {

using weft_bench::percentile;
using weft_bench::Strat;

weft::ExploreOptions options(const weft_bugs::Kernel& k, bool fixed, const Strat& s,
                             std::uint64_t seed, std::uint64_t iterations) {
  weft::ExploreOptions o = weft_bugs::options_for(k, fixed);
  weft_bench::apply(s, o);
  o.seed = seed;
  o.iterations = iterations;
  o.hang_timeout = std::chrono::milliseconds(0);
  return o;
}

struct Totals {
  int kernels_found = 0;     // found in every seed
  int kernels_missed = 0;    // found in no seed
  std::vector<double> all;   // schedules to the first failure, every (kernel, seed)
  std::vector<double> millis;  // milliseconds to it, every (kernel, seed)
  std::uint64_t fixed_failures = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seeds = 20, cap = 10'000, fixed_schedules = 10'000;
  bool run_fixed = true;
  std::vector<std::string> only, only_strategies;
  for (int i = 1; i < argc; ++i) {
    auto number = [&] { return std::strtoull(argv[++i], nullptr, 10); };
    if (!std::strcmp(argv[i], "--seeds") && i + 1 < argc) seeds = number();
    else if (!std::strcmp(argv[i], "--cap") && i + 1 < argc) cap = number();
    else if (!std::strcmp(argv[i], "--fixed") && i + 1 < argc) fixed_schedules = number();
    else if (!std::strcmp(argv[i], "--kernel") && i + 1 < argc) only.emplace_back(argv[++i]);
    else if (!std::strcmp(argv[i], "--strategy") && i + 1 < argc) only_strategies.emplace_back(argv[++i]);
    else if (!std::strcmp(argv[i], "--no-fixed")) run_fixed = false;
    else {
      std::fprintf(stderr,
                   "usage: %s [--seeds N] [--cap N] [--fixed N] [--kernel NAME]... "
                   "[--strategy NAME]... [--no-fixed]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!weft_bench::names_known(only_strategies, weft_bench::kStrategies)) return 2;
  auto wanted = [&](const Strat& s) { return weft_bench::wanted(s, only_strategies); };
  std::map<std::string, Totals> totals;
  std::printf("| kernel | class | depth | races | strategy | found | median schedules | median "
              "ms | p90 schedules | fixed-twin failures |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const weft_bugs::Kernel& k : weft_bugs::kernels()) {
    if (!only.empty() && std::find(only.begin(), only.end(), k.name) == only.end()) continue;
    for (const Strat& s : weft_bench::kStrategies) {
      if (!wanted(s)) continue;
      std::vector<double> schedules, millis;
      std::uint64_t found = 0, other_kind = 0;
      const std::uint64_t runs = s.kind == weft::StrategyKind::dfs ? 1 : seeds;
      for (std::uint64_t seed = 1; seed <= runs; ++seed) {
        // The time to the failure, without the replays that check and shrink it.
        weft::ExploreOptions o = options(k, false, s, seed, cap);
        o.check_determinism = false;
        o.minimize_replays = 0;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = weft::explore(k.buggy, o);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        const bool hit = !r.ok() && k.expected(r.failure->kind);
        if (!r.ok() && !hit) ++other_kind;
        found += hit;
        schedules.push_back(hit ? static_cast<double>(r.iteration + 1) : static_cast<double>(cap));
        millis.push_back(ms);
      }
      Totals& t = totals[s.name];
      t.kernels_found += found == runs;
      t.kernels_missed += found == 0;
      t.all.insert(t.all.end(), schedules.begin(), schedules.end());
      t.millis.insert(t.millis.end(), millis.begin(), millis.end());
      std::string fixed_cell = "-";
      if (run_fixed) {
        auto r = weft::explore(k.fixed, options(k, true, s, 1, fixed_schedules));
        const std::uint64_t failures = r.ok() ? 0 : 1;
        t.fixed_failures += failures;
        fixed_cell = r.ok() ? "0/" + std::to_string(r.iterations)
                            : std::string(weft::failure_kind_name(r.failure->kind)) + " at " +
                                  std::to_string(r.iteration + 1);
      }
      std::printf("| %.*s | %.*s | %u | %s | %s | %llu/%llu%s | %.0f | %.2f | %.0f | %s |\n",
                  static_cast<int>(k.name.size()), k.name.data(),
                  static_cast<int>(k.bug_class.size()), k.bug_class.data(), k.depth,
                  k.races ? "on" : "off", s.name, static_cast<unsigned long long>(found),
                  static_cast<unsigned long long>(runs),
                  other_kind ? (" (" + std::to_string(other_kind) + " other kind)").c_str() : "",
                  percentile(schedules, 0.5), percentile(millis, 0.5),
                  percentile(schedules, 0.9), fixed_cell.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\n| strategy | kernels found in every seed | kernels never found | median "
              "schedules (all kernels x seeds) | median ms | p90 schedules | fixed twins "
              "failing |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Strat& s : weft_bench::kStrategies) {
    if (!wanted(s)) continue;
    const Totals& t = totals[s.name];
    std::printf("| %s | %d | %d | %.0f | %.2f | %.0f | %llu |\n", s.name, t.kernels_found,
                t.kernels_missed, percentile(t.all, 0.5), percentile(t.millis, 0.5),
                percentile(t.all, 0.9), static_cast<unsigned long long>(t.fixed_failures));
  }
}
