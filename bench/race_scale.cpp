// race_scale.cpp — how the race detector scales with the number of goroutines (issue 10,
// item 3). The workload is what a user would write: main starts n goroutines; each locks one
// weft::Mutex, bumps a shared counter (recorded with weft::race::update), unlocks and calls
// wg.done(); main waits on the WaitGroup and checks the counter. It runs through
// weft::explore (1 iteration, random strategy), with detection off and on. Other shapes
// (--shape, see body()) stress other paths of the detector's clocks.
//
// Every (n, detect) point runs in a child process of its own, so its peak RSS (ru_maxrss of
// the child, from wait4) is that point's alone. Prints a Markdown table:
//   goroutines | off: ms/schedule, peak MiB | on: ms/schedule, peak MiB | on/off time, memory
//   | clock entries written or merged per goroutine (weft::race::stats; flat = O(1) per sync)
//
// Usage: race_scale [--shape mutex|waitgroup|gate|chain] [--from N] [--to M] [--factor F]
//                   [--reps K] [--detect both|0|1]
//   defaults: --from 10 --to 100000 --factor 10 --reps 3 (median of K schedules per point;
//   the peak RSS covers all K).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

struct Point {
  double ms = 0;           // median wall time of one explored schedule
  double clock_work = 0;   // weft::race::stats().clock_work at the end of the last schedule
  long maxrss_kb = 0;      // peak RSS of the child process
};

double last_clock_work = 0;

enum class Shape { mutex, waitgroup, gate, chain };

Shape parse_shape(const std::string& s) {
  if (s == "mutex") return Shape::mutex;
  if (s == "waitgroup") return Shape::waitgroup;
  if (s == "gate") return Shape::gate;
  if (s == "chain") return Shape::chain;
  throw std::invalid_argument("unknown --shape '" + s + "' (mutex|waitgroup|gate|chain)");
}

struct Shared {
  weft::Mutex mu;
  weft::WaitGroup wg;
  weft::Chan<weft::Unit> gate = weft::make_chan<weft::Unit>();
  std::uint64_t counter = 0;
};

void locked_bump(Shared& sh) {
  sh.mu.lock();
  weft::race::update(&sh.counter, sizeof sh.counter);
  ++sh.counter;
  sh.mu.unlock();
}

// chain: each goroutine starts the next, then bumps and calls done.
void chain_link(Shared& sh, std::size_t left) {
  if (left > 1) weft::go([&sh, left] { chain_link(sh, left - 1); });
  locked_bump(sh);
  sh.wg.done();
}

// mutex:     the goal of issue 10: lock, bump, unlock, done.
// waitgroup: done only (the counter is bumped without a recorded access).
// gate:      each first waits for main to close a channel (all n are alive at once).
// chain:     goroutine i starts goroutine i+1 (a spawn chain n deep), then as mutex.
void body(std::size_t n, Shape shape) {
  Shared sh;
  sh.wg.add(static_cast<int>(n));
  if (shape == Shape::chain) {
    weft::go([&sh, n] { chain_link(sh, n); });
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      weft::go([&sh, shape] {
        if (shape == Shape::gate) sh.gate.recv();
        if (shape == Shape::waitgroup) {
          ++sh.counter;
        } else {
          locked_bump(sh);
        }
        sh.wg.done();
      });
    }
    sh.gate.close();
  }
  sh.wg.wait();
  weft::race::read(&sh.counter, sizeof sh.counter);
  if (sh.counter != n) throw std::runtime_error("counter mismatch");
  last_clock_work = static_cast<double>(weft::race::stats().clock_work);
}

// Runs `reps` schedules in this process; returns the median wall time in ms, or exits 1.
double run_point(std::size_t n, Shape shape, bool detect, unsigned reps) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  o.detect_races = detect;
  o.schedule_accesses = false;
  o.report_leaks = false;
  o.max_steps = std::numeric_limits<std::uint64_t>::max();
  std::vector<double> ms;
  for (unsigned r = 0; r < reps; ++r) {
    o.seed = r + 1;
    const auto t0 = std::chrono::steady_clock::now();
    weft::ExploreResult res = weft::explore([n, shape] { body(n, shape); }, o);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!res.ok()) {
      std::fprintf(stderr, "race_scale: n=%zu detect=%d failed:\n%s\n", n, detect ? 1 : 0,
                   res.to_string().c_str());
      std::exit(1);
    }
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Runs the point in a child process; the child writes its median time to a pipe.
Point measure(std::size_t n, Shape shape, bool detect, unsigned reps) {
  int fd[2];
  if (pipe(fd) != 0) throw std::runtime_error("pipe failed");
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fd[0]);
    const double out[2] = {run_point(n, shape, detect, reps), last_clock_work};
    if (write(fd[1], out, sizeof out) != static_cast<ssize_t>(sizeof out)) _exit(1);
    _exit(0);
  }
  close(fd[1]);
  Point p;
  double in[2] = {0, 0};
  const bool got = read(fd[0], in, sizeof in) == static_cast<ssize_t>(sizeof in);
  p.ms = in[0];
  p.clock_work = in[1];
  close(fd[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("the child for n=" + std::to_string(n) + " failed");
  p.maxrss_kb = ru.ru_maxrss;
  return p;
}

std::size_t parse_size(const std::string& opt, const std::string& v) {
  std::size_t used = 0;
  unsigned long long x = 0;
  try {
    x = std::stoull(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || x == 0)
    throw std::invalid_argument(opt + " needs a positive integer, got '" + v + "'");
  return static_cast<std::size_t>(x);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t from = 10, to = 100'000, factor = 10;
  unsigned reps = 3;
  std::string detect = "both";
  Shape shape = Shape::mutex;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "-h" || a == "--help") {
        std::puts("usage: race_scale [--shape mutex|waitgroup|gate|chain] [--from N] [--to M] "
                  "[--factor F] [--reps K] [--detect both|0|1]");
        return 0;
      }
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + a);
      std::string v = argv[++i];
      if (a == "--from") from = parse_size(a, v);
      else if (a == "--to") to = parse_size(a, v);
      else if (a == "--factor") factor = parse_size(a, v);
      else if (a == "--reps") reps = static_cast<unsigned>(parse_size(a, v));
      else if (a == "--detect" && (v == "both" || v == "0" || v == "1")) detect = v;
      else if (a == "--shape") shape = parse_shape(v);
      else throw std::invalid_argument("unknown option or value: " + a + " " + v + " (try --help)");
    }
    if (factor < 2) throw std::invalid_argument("--factor must be at least 2");
    std::puts("| goroutines | off ms/schedule | off peak MiB | on ms/schedule | on peak MiB "
              "| on/off time | on/off memory | clock work per goroutine |");
    std::puts("|---|---|---|---|---|---|---|---|");
    for (std::size_t n = from; n <= to; n *= factor) {
      Point off, on;
      if (detect != "1") off = measure(n, shape, false, reps);
      if (detect != "0") on = measure(n, shape, true, reps);
      auto mib = [](const Point& p) { return static_cast<double>(p.maxrss_kb) / 1024.0; };
      std::printf("| %zu | %.2f | %.1f | %.2f | %.1f | %.1fx | %.1fx | %.0f |\n", n, off.ms,
                  mib(off), on.ms, mib(on), off.ms > 0 ? on.ms / off.ms : 0.0,
                  off.maxrss_kb > 0 ? mib(on) / mib(off) : 0.0,
                  on.clock_work / static_cast<double>(n));
      std::fflush(stdout);
      if (n > std::numeric_limits<std::size_t>::max() / factor) break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "race_scale: %s\n", e.what());
    return 2;
  }
}
