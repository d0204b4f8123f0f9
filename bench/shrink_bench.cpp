// Shrinking on bug kernels of known depth (issue 13: "median preemptions after shrinking <=
// the bug's depth, with <= 50 replays"). For each kernel and seed, a strategy explores until
// the first failure (race detection off: the failure is the assertion or deadlock itself);
// the failing schedule's preemptions and steps before and after shrinking, and the replays
// the shrinker used, are collected. Not a timing benchmark: the numbers are deterministic for
// a given weft version.
//
//   build/rel/bench/shrink_bench [--seeds 20] [--strategy random|pct|pos|portfolio]
//                                [--replays 50] [--kernel NAME]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "depth_kernels.hpp"
#include "weft/weft.hpp"

namespace {

// The kernels of depth_kernels.hpp (deep_prefix(6): depth 1; between_writes(4): the read
// falls between the last write and the reset, depth 2; lock_inversion(0): depth 2;
// flag_before_value: depth 3) and these.

// Depth 2 with bystanders: two goroutines taking turns on their own mutex.
void read_before_reset_with_noise() {
  weft::Mutex m;
  int turns = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int b = 0; b < 2; ++b)
    weft::go([&] {
      for (int i = 0; i < 5; ++i) {
        m.lock();
        ++turns;
        m.unlock();
      }
      wg.done();
    });
  weft_test::between_writes(4);
  wg.wait();
}

// Depth 2: both workers load the counter before either stores.
void lost_increment() {
  weft::Shared<int> counter{0};
  weft::WaitGroup wg;
  wg.add(3);
  for (int g = 0; g < 3; ++g)
    weft::go([&] {
      int v = counter.read();
      counter.write(v + 1);
      wg.done();
    });
  wg.wait();
  weft::check(counter.read() == 3, "an increment was lost");
}

struct Kernel {
  const char* name;
  unsigned depth;
  std::function<void()> body;
};

std::uint64_t median(std::vector<std::uint64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seeds = 20, replays = 50;
  weft::StrategyKind strategy = weft::StrategyKind::random;
  const char* strategy_text = "random";
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--kernel")) only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--replays"))
      replays = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--strategy")) {
      strategy_text = argv[i + 1];
      std::string s = argv[i + 1];
      if (s != "random" && s != "pct" && s != "pos" && s != "portfolio") {
        std::fprintf(stderr, "--strategy %s: unknown; one of random pct pos portfolio\n",
                     s.c_str());
        return 2;
      }
      strategy = s == "pct" ? weft::StrategyKind::pct
                 : s == "pos" ? weft::StrategyKind::pos
                 : s == "portfolio" ? weft::StrategyKind::portfolio
                                    : weft::StrategyKind::random;
    } else {
      std::fprintf(stderr,
                   "usage: shrink_bench [--seeds N] [--strategy S] [--replays N] [--kernel NAME]\n");
      return 2;
    }
  }
  const std::vector<Kernel> kernels = {
      {"reader_after_all_writes", 1, [] { weft_test::deep_prefix(6); }},
      {"read_before_reset", 2, [] { weft_test::between_writes(4); }},
      {"read_before_reset_with_noise", 2, read_before_reset_with_noise},
      {"lost_increment", 2, lost_increment},
      {"opposite_lock_order", 2, [] { weft_test::lock_inversion(0); }},
      {"flag_before_value", 3, weft_test::flag_before_value},
  };
  std::printf("strategy %s, %u seeds, replay budget %u\n", strategy_text, seeds, replays);
  std::printf("%-30s %5s %5s %9s %9s %9s %9s %9s %6s\n", "kernel", "depth", "found", "pre.before",
              "pre.after", "max.after", "steps.bef", "steps.aft", "replays");
  if (!only.empty() && std::none_of(kernels.begin(), kernels.end(),
                                    [&](const Kernel& k) { return only == k.name; })) {
    std::fprintf(stderr, "--kernel %s: unknown\n", only.c_str());
    return 2;
  }
  for (const Kernel& k : kernels) {
    if (!only.empty() && only != k.name) continue;
    std::vector<std::uint64_t> pb, pa, sb, sa, rp;
    for (unsigned seed = 1; seed <= seeds; ++seed) {
      weft::ExploreOptions o;
      o.strategy = strategy;
      o.seed = seed;
      o.iterations = 10'000;
      o.detect_races = false;
      o.use_environment = false;
      o.minimize_replays = replays;
      auto r = weft::explore(k.body, o);
      if (r.ok() || !r.check.deterministic()) continue;
      pb.push_back(r.check.preemptions_before);
      pa.push_back(r.check.preemptions_after);
      sb.push_back(r.check.steps_before);
      sa.push_back(r.check.steps_after);
      rp.push_back(r.check.replays);
    }
    std::printf("%-30s %5u %2zu/%-2u %9lu %9lu %9lu %9lu %9lu %6lu\n", k.name, k.depth, pa.size(),
                seeds, median(pb), median(pa),
                pa.empty() ? 0ul : *std::max_element(pa.begin(), pa.end()), median(sb), median(sa),
                median(rp));
  }
  return 0;
}
