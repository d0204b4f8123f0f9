// Each strategy's cost per decision with many goroutines alive (issue 13): one iteration of
// a program that starts N goroutines, blocks them all on one channel, releases them at once
// and lets them queue on one mutex (tests/runtime/stacks_test.cpp's
// ManyGoroutinesBlockOnOneChannelAtOnceAndAreReleased, at N = 200,000 there), under each
// strategy. A strategy that scans the runnable goroutines at each decision takes time
// quadratic in N here; one whose decisions cost O(log N) takes about as long as random.
//
//   build/rel/bench/strategy_scale_bench [-n 200000] [--strategy NAME]...
//
// Prints per strategy: seconds, scheduling steps, and microseconds per step.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "strategies.hpp"
#include "weft/weft.hpp"

namespace {

using weft_bench::Strat;

bool released_all(long n, const Strat& s) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  o.detect_races = false;
  o.report_leaks = false;
  o.hang_timeout = std::chrono::milliseconds(0);
  o.max_steps = 40 * static_cast<std::uint64_t>(n);
  weft_bench::apply(s, o);
  long released = 0;
  const auto t0 = std::chrono::steady_clock::now();
  weft::ExploreResult r = weft::explore(
      [&] {
        auto block = weft::make_chan<weft::Unit>();
        weft::WaitGroup started, finished;
        started.add(n);
        finished.add(n);
        weft::Mutex mu;
        for (long i = 0; i < n; ++i)
          weft::go([&, block] {
            started.done();
            block.recv();
            mu.lock();
            ++released;
            mu.unlock();
            finished.done();
          });
        started.wait();
        block.close();
        finished.wait();
      },
      o);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok() || released != n) {
    std::printf("%-10s FAILED after %.1f s: %s\n", s.name, secs,
                r.ok() ? "not every goroutine was released" : r.failure->report.c_str());
    return false;
  }
  std::printf("%-10s %8.1f s %12llu steps %8.3f us/step\n", s.name, secs,
              static_cast<unsigned long long>(r.steps),
              secs * 1e6 / static_cast<double>(r.steps));
  std::fflush(stdout);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long n = 200'000;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-n") && i + 1 < argc) {
      n = std::strtol(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--strategy") && i + 1 < argc) {
      only.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [-n GOROUTINES] [--strategy NAME]...\n", argv[0]);
      return 2;
    }
  }
  if (n <= 0) {
    std::fprintf(stderr, "-n wants a positive number of goroutines, such as 200000\n");
    return 2;
  }
  if (!weft_bench::names_known(only, weft_bench::kStrategies)) return 2;
  bool ok = true;
  std::printf("%ld goroutines released at once, one iteration per strategy\n", n);
  for (const Strat& s : weft_bench::kStrategies)
    if (weft_bench::wanted(s, only)) ok = released_all(n, s) && ok;
  return ok ? 0 : 1;
}
