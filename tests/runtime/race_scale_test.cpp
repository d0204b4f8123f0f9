// race_scale_test.cpp — the race detector's cost does not grow with the number of goroutines
// that touched a lock or WaitGroup (issue 10, item 3), checked without timing: through
// weft::explore, on the detector's own counters (weft::race::stats). The time and memory
// this buys are measured by bench/race_scale.
//
// A detector whose sync clocks gain an entry per goroutine and whose joins walk them costs
// O(n) clock entries per synchronisation, so O(n^2) in all (2*10^8 for n = 20,000); the
// bounds below are a small multiple of n (storage) and of n*sqrt(n) (work: clock deltas are
// folded into a shared base when they outgrow its square root, vector_clock.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "weft/weft.hpp"

namespace race_scale_test {  // this file's names, apart from the other tests' in a unity build

namespace {

#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kGoroutines = 20'000;
#else
constexpr std::size_t kGoroutines = 2'000;  // debug and sanitizer builds: smaller
#endif

weft::ExploreOptions one_schedule(std::uint64_t seed) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.seed = seed;
  o.use_environment = false;
  o.schedule_accesses = false;
  o.max_steps = 100 * kGoroutines;
  return o;
}

double n_sqrt_n(std::size_t n) {
  return static_cast<double>(n) * std::sqrt(static_cast<double>(n));
}

// main starts n goroutines; each locks the mutex, bumps the counter, unlocks and calls
// done; main waits. With `gate`, every goroutine first waits for main to close a channel,
// so all n are alive (and hold clocks) at once.
weft::race::Stats run(std::size_t n, bool gate, std::uint64_t seed) {
  weft::race::Stats at_end;
  weft::ExploreResult r = weft::explore(
      [&] {
        weft::Mutex mu;
        weft::WaitGroup wg;
        auto open = weft::make_chan<weft::Unit>();
        std::uint64_t counter = 0;
        wg.add(static_cast<std::int64_t>(n));
        for (std::size_t i = 0; i < n; ++i) {
          weft::go([&] {
            if (gate) open.recv();
            mu.lock();
            weft::race::update(&counter, sizeof counter);
            ++counter;
            mu.unlock();
            wg.done();
          });
        }
        open.close();
        wg.wait();
        weft::race::read(&counter, sizeof counter);
        EXPECT_EQ(counter, n);
        at_end = weft::race::stats();
      },
      one_schedule(seed));
  EXPECT_TRUE(r.ok()) << r.to_string();
  return at_end;
}

TEST(RaceScale, MutexAndWaitGroupCostNoMoreThanNSqrtN) {
  for (std::uint64_t seed : {1, 2}) {
    const weft::race::Stats st = run(kGoroutines, false, seed);
    EXPECT_GT(st.accesses, kGoroutines);  // the detector saw the run
    EXPECT_LE(st.clock_entries, 4 * kGoroutines);
    EXPECT_LE(static_cast<double>(st.clock_work), 8 * n_sqrt_n(kGoroutines)) << "seed " << seed;
  }
}

TEST(RaceScale, AllAliveAtOnceShareTheirClocks) {
  const weft::race::Stats st = run(kGoroutines, true, 1);
  EXPECT_GT(st.accesses, kGoroutines);
  EXPECT_LE(st.clock_entries, 4 * kGoroutines);
  EXPECT_LE(static_cast<double>(st.clock_work), 8 * n_sqrt_n(kGoroutines));
}

TEST(RaceScale, StatsAreZeroWithDetectionOff) {
  weft::race::Stats st{};
  st.accesses = 1;
  weft::ExploreOptions o = one_schedule(1);
  o.detect_races = false;
  weft::ExploreResult r = weft::explore(
      [&] {
        int x = 0;
        weft::race::write(&x, sizeof x);
        st = weft::race::stats();
      },
      o);
  ASSERT_TRUE(r.ok()) << r.to_string();
  EXPECT_EQ(st.accesses, 0u);
  EXPECT_EQ(st.clock_work, 0u);
}

}  // namespace

}  // namespace race_scale_test
