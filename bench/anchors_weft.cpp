// weft's side of the anchor workloads (../shared/anchors):
//   weft_anchors [--run] -n SCALE [workload...]
// prints `<workload>.<metric> <value> <unit>` lines for `anchors/compare`.
//
// With --run every workload runs on weft::run, the parallel scheduler, on WEFT_PROCS
// logical processors (default: every core). Without it they run under weft::explore, one
// iteration, race detection off (the anchors have no detector; `idle_detect` is the same as
// idle with detection on, for reference): the controlled scheduler runs one goroutine at a
// time whatever WEFT_PROCS says. The workloads are the Go anchor's, line for line.
#include <sys/syscall.h>
#include <unistd.h>
#include <weft/weft.hpp>

#include <ctime>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

double g_scale = 1.0;
// --strategy NAME: the exploring strategy (default: the default ExploreOptions' portfolio,
// whose first iteration is urw's).
weft::StrategyKind g_strategy = weft::ExploreOptions{}.strategy;
long count(long base) { return static_cast<long>(static_cast<double>(base) * g_scale); }

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

weft::ExploreOptions one_iteration(bool detect) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.detect_races = detect;
  o.use_environment = false;
  o.report_leaks = false;
  o.max_steps = ~std::uint64_t{0};
  o.strategy = g_strategy;
  // The one WEFT_* variable read here: WEFT_COMPACT_STACKS=0 measures without stack
  // compaction (ExploreOptions::compact_stacks_from).
  if (const char* v = std::getenv("WEFT_COMPACT_STACKS"); v && *v)
    o.compact_stacks_from = std::strtoull(v, nullptr, 10);
  return o;
}

bool g_parallel = false;  // --run: weft::run instead of weft::explore

void run_or_die(const char* name, std::function<void()> body, weft::ExploreOptions o) {
  if (g_parallel) {
    if (weft::run(std::move(body)) != 0) {
      std::fprintf(stderr, "%s: weft::run failed\n", name);
      std::exit(1);
    }
    return;
  }
  weft::ExploreResult r = weft::explore(std::move(body), std::move(o));
  if (!r.ok()) {
    std::fprintf(stderr, "%s failed:\n%s", name, r.to_string().c_str());
    std::exit(1);
  }
}

void run_or_die(const char* name, std::function<void()> body) {
  run_or_die(name, std::move(body), one_iteration(false));
}

// Real time even inside an explored body, where weft answers clock_gettime (and so
// steady_clock::now()) from the run's virtual clock: the system call itself, which no
// interposition sees (two reads per workload, a microsecond each).
struct Clock {
  using time_point = std::chrono::steady_clock::time_point;
  static time_point now() {
    timespec ts{};
    ::syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
};

void report(const char* name, long ops, Clock::time_point start) {
  const double ns =
      static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() -
                                                                              start)
                              .count()) /
      static_cast<double>(ops);
  std::printf("%s.ns_per_op %.1f ns\n", name, ns);
}

void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::exit(1);
}

// spawn: start N goroutines doing trivial work, wait for all.
void spawn() {
  const long n = count(1000000);
  run_or_die("spawn", [n] {
    weft::WaitGroup wg;
    weft::Mutex mu;
    long sink = 0;
    auto start = Clock::now();
    wg.add(n);
    for (long i = 0; i < n; ++i)
      weft::go([&, i] {
        if (i == -1) {  // never true: keeps the closure from being trivial
          mu.lock();
          ++sink;
          mu.unlock();
        }
        wg.done();
      });
    wg.wait();
    report("spawn", n, start);
  });
}

// pingpong: two goroutines bounce a value over two unbuffered channels; one op = one round trip.
void pingpong() {
  const long n = count(1000000);
  run_or_die("pingpong", [n] {
    auto ping = weft::make_chan<long>(), pong = weft::make_chan<long>();
    weft::go([ping, pong] {
      for (long v : ping) pong.send(v + 1);
      pong.close();
    });
    auto start = Clock::now();
    for (long i = 0; i < n; ++i) {
      ping.send(i);
      pong.recv();
    }
    report("pingpong", n, start);
    ping.close();
  });
}

// buffered: one producer, one consumer, capacity-128 channel; one op = one item.
void buffered() {
  const long n = count(10000000);
  run_or_die("buffered", [n] {
    auto c = weft::make_chan<long>(128);
    auto done = weft::make_chan<long>();
    weft::go([c, done] {
      long s = 0;
      for (long v : c) s += v;
      done.send(s);
    });
    auto start = Clock::now();
    for (long i = 0; i < n; ++i) c.send(i);
    c.close();
    done.recv();
    report("buffered", n, start);
  });
}

// select: one consumer selects over two channels fed by two producers; one op = one item.
void select_workload() {
  const long n = count(2000000);
  run_or_die("select", [n] {
    auto a = weft::make_chan<long>(16), b = weft::make_chan<long>(16);
    auto feed = [](weft::Chan<long> c, long k) {
      for (long i = 0; i < k; ++i) c.send(i);
      c.close();
    };
    auto start = Clock::now();
    weft::go(feed, a, n / 2);
    weft::go(feed, b, n - n / 2);
    long got = 0;
    weft::Chan<long> ca = a, cb = b;
    while (!ca.nil() || !cb.nil()) {
      weft::select(weft::recv_case(ca, [&](std::optional<long> v) {
                     if (!v) ca = weft::Chan<long>(); else ++got;
                   }),
                   weft::recv_case(cb, [&](std::optional<long> v) {
                     if (!v) cb = weft::Chan<long>(); else ++got;
                   }));
    }
    if (got != n) fail("select lost items");
    report("select", n, start);
  });
}

// mutex: 8 goroutines each increment a shared counter under a mutex; one op = one lock/unlock.
void mutex() {
  const long workers = 8, per = count(1000000);
  run_or_die("mutex", [=] {
    weft::Mutex mu;
    weft::WaitGroup wg;
    long counter = 0;
    auto start = Clock::now();
    wg.add(workers);
    for (long w = 0; w < workers; ++w)
      weft::go([&] {
        for (long i = 0; i < per; ++i) {
          mu.lock();
          ++counter;
          mu.unlock();
        }
        wg.done();
      });
    wg.wait();
    if (counter != workers * per) fail("mutex lost updates");
    report("mutex", workers * per, start);
  });
}

// pipeline: 4 stages joined by unbuffered channels; one op = one item through all stages.
void pipeline() {
  const long n = count(1000000);
  run_or_die("pipeline", [n] {
    auto src = weft::make_chan<long>();
    weft::Chan<long> in = src;
    for (int s = 0; s < 3; ++s) {
      auto out = weft::make_chan<long>();
      weft::go([in, out] {
        for (long v : in) out.send(v + 1);
        out.close();
      });
      in = out;
    }
    auto start = Clock::now();
    weft::go([src, n] {
      for (long i = 0; i < n; ++i) src.send(i);
      src.close();
    });
    long got = 0;
    for (long v : in) {
      (void)v;
      ++got;
    }
    if (got != n) fail("pipeline lost items");
    report("pipeline", n, start);
  });
}

// N goroutines blocked on one channel receive; resident bytes per goroutine, measured as the
// Go anchor does (VmRSS after all have started, minus VmRSS before, over N).
void idle_with(const char* name, bool detect) {
  const long n = count(100000);
  long before = 0, after = 0;
  run_or_die(name, [&] {
    before = rss_kib();
    auto block = weft::make_chan<weft::Unit>();
    weft::WaitGroup wg;
    wg.add(n);
    for (long i = 0; i < n; ++i)
      weft::go([&wg, block] {
        wg.done();
        block.recv();
      });
    wg.wait();
    after = rss_kib();
    block.close();
  }, one_iteration(detect));
  std::printf("%s.bytes_per_goroutine %.0f B\n", name,
              static_cast<double>(after - before) * 1024 / static_cast<double>(n));
}

void idle() { idle_with("idle", false); }
void idle_detect() { idle_with("idle_detect", true); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      char* end = nullptr;
      g_scale = std::strtod(argv[++i], &end);
      if (*end != '\0' || g_scale <= 0) {
        std::fprintf(stderr, "-n wants a positive number, such as 1 or 0.1\n");
        return 2;
      }
    } else if (std::strcmp(argv[i], "--run") == 0) {
      g_parallel = true;
    } else if (std::strcmp(argv[i], "--strategy") == 0 && i + 1 < argc) {
      const std::map<std::string, weft::StrategyKind> kinds = {
          {"portfolio", weft::StrategyKind::portfolio}, {"random", weft::StrategyKind::random},
          {"pct", weft::StrategyKind::pct},             {"pos", weft::StrategyKind::pos},
          {"urw", weft::StrategyKind::urw},             {"surw", weft::StrategyKind::surw}};
      const auto it = kinds.find(argv[++i]);
      if (it == kinds.end()) {
        std::fprintf(stderr, "--strategy wants portfolio, random, pct, pos, urw or surw\n");
        return 2;
      }
      g_strategy = it->second;
    } else {
      names.emplace_back(argv[i]);
    }
  }
  const std::vector<std::string> order = {"spawn", "pingpong", "buffered", "select",
                                          "mutex", "pipeline", "idle"};
  const std::map<std::string, void (*)()> all = {
      {"spawn", spawn}, {"pingpong", pingpong}, {"buffered", buffered},
      {"select", select_workload}, {"mutex", mutex}, {"pipeline", pipeline},
      {"idle", idle}, {"idle_detect", idle_detect}};
  if (names.empty()) names = order;
  const char* procs = std::getenv("WEFT_PROCS");
  if (g_parallel)
    std::printf("# weft run (parallel scheduler) WEFT_PROCS=%s\n",
                procs && *procs ? procs : "(every core)");
  else
    std::printf("# weft explore (controlled scheduler, one goroutine at a time) WEFT_PROCS=%s\n",
                procs && *procs ? procs : "1");
  for (const std::string& name : names) {
    auto it = all.find(name);
    if (it == all.end()) {
      std::fprintf(stderr, "unknown workload %s; known: spawn pingpong buffered select mutex "
                   "pipeline idle idle_detect\n", name.c_str());
      return 2;
    }
    if (g_parallel && name == "idle_detect") {
      std::printf("idle_detect.bytes_per_goroutine unsupported -\n");  // no detector in run
    } else {
      it->second();
    }
    std::fflush(stdout);
  }
}
