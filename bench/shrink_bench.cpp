// Shrinking on bug kernels of known depth (issue 13: "median preemptions after shrinking <=
// the bug's depth, with <= 50 replays"). For each kernel and seed, a strategy explores until
// the first failure (race detection off: the failure is the assertion or deadlock itself);
// the failing schedule's preemptions and steps before and after shrinking, and the replays
// the shrinker used, are collected. Not a timing benchmark: the numbers are deterministic for
// a given weft version.
//
//   build/rel/bench/shrink_bench [--seeds 20] [--strategy random|pct|pos|portfolio]
//                                [--replays 50]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

// Depth 1 (no preemption): the writer's k writes all come before the reader's one read.
void reader_after_all_writes() {
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int i = 1; i <= 6; ++i) x.write(i);
    wg.done();
  });
  weft::go([&] {
    weft::check(x.read() != 6, "the read came after every write");
    wg.done();
  });
  wg.wait();
}

// Depth 2: the read falls between the writer's last write and its reset.
void read_before_reset() {
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int i = 1; i <= 4; ++i) x.write(i);
    x.write(0);
    wg.done();
  });
  weft::go([&] {
    weft::check(x.read() != 4, "the read saw the value before the reset");
    wg.done();
  });
  wg.wait();
}

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
  read_before_reset();
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

// Depth 2: two mutexes taken in opposite orders deadlock.
void opposite_lock_order() {
  weft::Mutex a, b;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    a.lock();
    b.lock();
    b.unlock();
    a.unlock();
    wg.done();
  });
  weft::go([&] {
    b.lock();
    a.lock();
    a.unlock();
    b.unlock();
    wg.done();
  });
  wg.wait();
}

// Depth 3: the check must run after the first publisher's flag and before the second's
// value, with a worker in between.
void flag_before_value() {
  weft::Shared<int> flag{0}, value{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    flag.write(1);
    value.write(1);
    flag.write(0);
    wg.done();
  });
  weft::go([&] {
    if (flag.read() == 1) weft::check(value.read() == 0 || flag.read() == 1, "torn read");
    wg.done();
  });
  wg.wait();
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
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--replays"))
      replays = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--strategy")) {
      strategy_text = argv[i + 1];
      std::string s = argv[i + 1];
      strategy = s == "pct" ? weft::StrategyKind::pct
                 : s == "pos" ? weft::StrategyKind::pos
                 : s == "portfolio" ? weft::StrategyKind::portfolio
                                    : weft::StrategyKind::random;
    } else {
      std::fprintf(stderr, "usage: shrink_bench [--seeds N] [--strategy S] [--replays N]\n");
      return 2;
    }
  }
  const std::vector<Kernel> kernels = {
      {"reader_after_all_writes", 1, reader_after_all_writes},
      {"read_before_reset", 2, read_before_reset},
      {"read_before_reset_with_noise", 2, read_before_reset_with_noise},
      {"lost_increment", 2, lost_increment},
      {"opposite_lock_order", 2, opposite_lock_order},
      {"flag_before_value", 3, flag_before_value},
  };
  std::printf("strategy %s, %u seeds, replay budget %u\n", strategy_text, seeds, replays);
  std::printf("%-30s %5s %5s %9s %9s %9s %9s %9s %6s\n", "kernel", "depth", "found", "pre.before",
              "pre.after", "max.after", "steps.bef", "steps.aft", "replays");
  for (const Kernel& k : kernels) {
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
