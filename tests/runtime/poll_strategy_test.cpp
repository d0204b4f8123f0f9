// Spin loops under every strategy that ranks goroutines (POS, PCT, URW, SURW, the
// portfolio): a goroutine that polls again and again (a yield loop, a failed try_lock or
// compare-exchange, a spin on an atomic load) may have the top rank while the goroutine it
// waits for has a low one. Each strategy must let the others run after repeated polls, so
// no iteration of these correct programs reaches the (small) step limit; and a single yield
// is still explored both ways.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "weft/instr_atomic.hpp"
#include "weft/weft.hpp"

namespace poll_strategy_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::StrategyKind;
using weft::instr::atomic;

constexpr weft::instr::Site kSite{"poll_strategy_test.cpp", "test", 1, 1};

struct Strat {
  const char* name;
  StrategyKind kind;
  unsigned depth;
};
const Strat kStrategies[] = {
    {"pos", StrategyKind::pos, 0},   {"pct:3", StrategyKind::pct, 3},
    {"pct:1", StrategyKind::pct, 1}, {"urw", StrategyKind::urw, 0},
    {"surw", StrategyKind::surw, 0}, {"portfolio", StrategyKind::portfolio, 0},
};

// Runs `body` for `iterations` schedules per seed under each strategy; none may fail.
void every_strategy_finishes(const std::function<void()>& body, std::uint64_t iterations,
                             std::uint64_t max_steps) {
  for (const Strat& s : kStrategies)
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      weft::ExploreOptions o;
      o.use_environment = false;
      o.strategy = s.kind;
      if (s.depth) o.pct_depth = s.depth;
      o.iterations = iterations;
      o.seed = seed;
      o.max_steps = max_steps;
      o.hang_timeout = std::chrono::milliseconds(0);
      auto r = weft::explore(body, o);
      EXPECT_TRUE(r.ok()) << s.name << " seed " << seed << ":\n" << r;
    }
}

// A chain through one atomic (the detector corpus's
// atomic_load_acquires_from_every_earlier_store): two goroutines spin with yields, each
// waiting for a goroutine that may rank below it.
void chain_through_one_atomic() {
  weft::Shared<int> a, b;
  weft::Atomic<int> stage{0};
  weft::go([&] {
    a.write(1);
    stage.store(1);
  });
  weft::go([&] {
    while (stage.load() != 1) weft::yield();
    b.write(1);
    stage.store(2);
  });
  while (stage.load() != 2) weft::yield();
  (void)a.read();
  (void)b.read();
}

// Two goroutines hand a turn back and forth (annotated_handoff_both_ways), each spinning on
// a yield loop while the other works.
void handoff_both_ways() {
  weft::Shared<int> x;
  weft::Atomic<int> turn{0};
  weft::go([&] {
    while (turn.load() != 1) weft::yield();
    x.write(x.read() + 1);
    turn.store(2);
  });
  x.write(1);
  turn.store(1);
  while (turn.load() != 2) weft::yield();
  weft::check(x.read() == 2, "the handoff came back with the increment");
}

// A try_lock loop with no yield: the holder does several steps before it unlocks.
void try_lock_spin() {
  weft::Mutex mu;
  weft::Shared<int> x;
  weft::WaitGroup wg;
  wg.add(2);
  mu.lock();
  weft::go([&] {
    while (!mu.try_lock()) {
    }
    x.write(x.read() + 1);
    mu.unlock();
    wg.done();
  });
  weft::go([&] {
    for (int i = 0; i < 5; ++i) weft::yield();
    wg.done();
  });
  for (int i = 0; i < 5; ++i) x.write(i);
  mu.unlock();
  wg.wait();
  weft::check(x.read() == 5, "the spinner's increment followed the holder's writes");
}

// std::atomic as weft-instrument rewrites it: a test-and-set spinlock taken by three
// threads, and a reader spinning on a load (no yield in either loop).
void std_atomic_spins() {
  std::atomic_flag flag;
  std::atomic<int> ready{0};
  int inside = 0;
  auto work = [&] {
    while (atomic(flag, kSite).test_and_set(std::memory_order_acquire)) {
    }
    ++inside;
    weft::race::update(&inside, sizeof inside);
    atomic(flag, kSite).clear(std::memory_order_release);
  };
  std::thread reader([&] {
    while (atomic(ready, kSite).load(std::memory_order_acquire) == 0) {
    }
  });
  std::thread a(work), b(work), c(work);
  std::thread writer([&] {
    for (int i = 0; i < 3; ++i) std::this_thread::yield();
    atomic(ready, kSite).store(1, std::memory_order_release);
  });
  a.join();
  b.join();
  c.join();
  reader.join();
  writer.join();
  weft::check(inside == 3, "each thread took the spinlock once");
}

TEST(PollingStrategies, ChainThroughOneAtomicEndsUnderEveryStrategy) {
  every_strategy_finishes(chain_through_one_atomic, 300, 3'000);
}

TEST(PollingStrategies, HandoffBothWaysEndsUnderEveryStrategy) {
  every_strategy_finishes(handoff_both_ways, 300, 3'000);
}

TEST(PollingStrategies, TryLockSpinEndsUnderEveryStrategy) {
  every_strategy_finishes(try_lock_spin, 300, 3'000);
}

TEST(PollingStrategies, StdAtomicSpinsEndUnderEveryStrategy) {
  every_strategy_finishes(std_atomic_spins, 200, 5'000);
}

// A single yield is still explored both ways under the priority strategies: the yielding
// goroutine sometimes goes on first, sometimes lets the other go first.
TEST(PollingStrategies, ASingleYieldIsExploredBothWays) {
  for (StrategyKind k : {StrategyKind::pos, StrategyKind::pct}) {
    bool first[2] = {false, false};
    weft::ExploreOptions o;
    o.use_environment = false;
    o.strategy = k;
    o.iterations = 1;
    o.detect_races = false;
    for (std::uint64_t i = 0; i < 200; ++i) {
      o.first_iteration = i;
      int order = -1;
      auto r = weft::explore(
          [&] {
            weft::Atomic<int> who{0};
            auto done = weft::make_chan<int>(1);
            weft::go([&, done] {
              int expected = 0;
              who.compare_exchange(expected, 2);
              done.send(0);
            });
            weft::yield();
            int expected = 0;
            who.compare_exchange(expected, 1);
            done.recv();
            order = who.load();
          },
          o);
      ASSERT_TRUE(r.ok()) << r;
      ASSERT_TRUE(order == 1 || order == 2) << order;
      first[order - 1] = true;
    }
    EXPECT_TRUE(first[0]) << "the yielding goroutine never went on first";
    EXPECT_TRUE(first[1]) << "the other goroutine never went first";
  }
}

}  // namespace

}  // namespace poll_strategy_test
