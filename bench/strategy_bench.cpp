// Schedules to the first failure, per strategy, on small bug kernels (issue 13): how many
// iterations each strategy needs before the kernel's bug shows (the assertion or deadlock
// itself: race detection is off), over fixed seeds, with a cap of 10,000 schedules.
// Not a timing benchmark: the numbers are deterministic for a given weft version.
//
//   build/rel/bench/strategy_bench [--seeds 20] [--cap 10000] [--detect]
//
// Prints one row per kernel x strategy: found (seeds whose exploration found the bug),
// median and p90 schedules to the first failure (a miss counts as the cap), and the
// median wall time to the first failure in milliseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "depth_kernels.hpp"
#include "strategies.hpp"
#include "weft/weft.hpp"

namespace {

// --- kernels (each comment gives the bug's depth: the ordering constraints it needs) ---

// Depth 2: both goroutines read before either writes back.
void lost_update() {
  int counter = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      int v = counter;
      weft::yield();
      counter = v + 1;
      wg.done();
    });
  wg.wait();
  weft::check(counter == 2, "an increment was lost");
}

// Depth 1: main gives up (select default) before the worker sent; the worker leaks.
void leak_on_default() {
  auto result = weft::make_chan<int>();
  weft::go([result] { result.send(42); });
  weft::yield();
  weft::select(weft::recv_case(result, [](int) {}), weft::default_case([] {}));
}

// Depth 2, long prefix: a lock-order deadlock that closes only if `late` stays unscheduled
// while `busy` does 20 steps of work before its locks.
void deep_deadlock() {
  weft::Mutex a, b;
  weft::Shared<int> work{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {  // busy
    for (int i = 0; i < 20; ++i) work.write(i);
    a.lock();
    b.lock();
    b.unlock();
    a.unlock();
    wg.done();
  });
  weft::go([&] {  // late
    b.lock();
    a.lock();
    a.unlock();
    b.unlock();
    wg.done();
  });
  wg.wait();
}

struct Kernel {
  const char* name;
  void (*body)();
};
// Depth 2, depth 1 with a 30-write prefix, depth 2 around the 20th write: depth_kernels.hpp.
const Kernel kKernels[] = {
    {"lost_update", lost_update},
    {"lock_order", [] { weft_test::lock_inversion(0); }},
    {"leak_on_default", leak_on_default},
    {"deep_prefix_30", [] { weft_test::deep_prefix(30); }},
    {"between_writes_20", [] { weft_test::between_writes(20); }},
    {"deep_deadlock_20", deep_deadlock},
};

using weft_bench::percentile;
using weft_bench::Strat;

// Every strategy of weft_bench::kStrategies, and PCT at depth 2 too.
const Strat kStrategies[] = {
    {"random", weft::StrategyKind::random, 0}, {"pct:2", weft::StrategyKind::pct, 2},
    {"pct:3", weft::StrategyKind::pct, 3},     {"pos", weft::StrategyKind::pos, 0},
    {"dfs:2", weft::StrategyKind::dfs, 2},     {"urw", weft::StrategyKind::urw, 0},
    {"surw", weft::StrategyKind::surw, 0},     {"mutate", weft::StrategyKind::mutate, 0},
    {"portfolio", weft::StrategyKind::portfolio, 0},
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seeds = 20, cap = 10'000;
  bool detect = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seeds") && i + 1 < argc) seeds = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--cap") && i + 1 < argc) cap = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--detect")) detect = true;
    else {
      std::fprintf(stderr, "usage: %s [--seeds N] [--cap N] [--detect]\n", argv[0]);
      return 2;
    }
  }
  std::printf("| kernel | strategy | found | median schedules | p90 schedules | median ms |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const Kernel& k : kKernels) {
    for (const Strat& s : kStrategies) {
      std::vector<double> schedules, millis;
      std::uint64_t found = 0;
      // DFS ignores the seed: one run stands for all.
      const std::uint64_t runs = s.kind == weft::StrategyKind::dfs ? 1 : seeds;
      for (std::uint64_t seed = 1; seed <= runs; ++seed) {
        weft::ExploreOptions o;
        o.use_environment = false;
        weft_bench::apply(s, o);
        o.seed = seed;
        o.iterations = cap;
        o.detect_races = detect;
        o.hang_timeout = std::chrono::milliseconds(0);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = weft::explore(k.body, o);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (!r.ok()) {
          ++found;
          schedules.push_back(static_cast<double>(r.iteration + 1));
        } else {
          schedules.push_back(static_cast<double>(cap));
        }
        millis.push_back(ms);
      }
      std::printf("| %s | %s | %llu/%llu | %.0f | %.0f | %.2f |\n", k.name, s.name,
                  static_cast<unsigned long long>(found), static_cast<unsigned long long>(runs),
                  percentile(schedules, 0.5), percentile(schedules, 0.9), percentile(millis, 0.5));
      std::fflush(stdout);
    }
  }
}
