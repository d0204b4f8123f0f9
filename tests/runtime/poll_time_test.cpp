// Time passes while goroutines poll: when every runnable goroutine is spinning on a probe
// (8 select defaults or failed try operations in a row, each within two visible operations
// of the last), the virtual clock jumps to the next timer, so a correct busy-polling
// deadline loop is not reported as a livelock; a few probes, a yield loop, or any runnable
// goroutine doing other work keep time still; with no timer pending, endless polling is
// still a livelock.
#include <gtest/gtest.h>

#include <chrono>

#include "weft/weft.hpp"

namespace poll_time_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using namespace std::chrono_literals;

weft::ExploreOptions opts(weft::StrategyKind k) {
  weft::ExploreOptions o;
  o.strategy = k;
  o.iterations = 50;
  o.use_environment = false;
  o.max_steps = 5'000;
  return o;
}

// Go's `for { select { case <-deadline: return; default: } }`.
int poll_until(const weft::RecvChan<weft::Clock::time_point>& deadline) {
  int spins = 0;
  for (;;) {
    bool done = false;
    weft::select(weft::recv_case(deadline, [&] { done = true; }), weft::default_case());
    if (done) return spins;
    ++spins;
  }
}

TEST(PollTime, ABusyPollingDeadlineLoopEnds) {
  for (auto k : {weft::StrategyKind::random, weft::StrategyKind::pct, weft::StrategyKind::pos,
                 weft::StrategyKind::portfolio}) {
    int spins = -1;
    auto r = weft::explore([&] { spins = poll_until(weft::after(10ms)); }, opts(k));
    EXPECT_TRUE(r.ok()) << r;
    EXPECT_GE(spins, 7) << "a few probes in a row do not yet move the clock";
    EXPECT_LT(spins, 20) << "time passed once spinning was all that could happen";
  }
}

TEST(PollTime, TwoPollersWithATryLockLoopToo) {
  auto r = weft::explore(
      [] {
        weft::Mutex mu;
        mu.lock();
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          (void)poll_until(weft::after(5ms));
          wg.done();
        });
        // main polls too: a try_lock loop that gives up when its own deadline passes.
        auto deadline = weft::after(20ms);
        for (;;) {
          if (mu.try_lock()) break;
          bool late = false;
          weft::select(weft::recv_case(deadline, [&] { late = true; }), weft::default_case());
          if (late) break;
        }
        mu.unlock();
        wg.wait();
      },
      opts(weft::StrategyKind::portfolio));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(PollTime, TimeStandsStillWhileAnyoneElseWorks) {
  // The worker is never polling, so the poller's deadline may only fire after it is done.
  auto r = weft::explore(
      [] {
        weft::Shared<int> progress{0};
        weft::Atomic<bool> finished{false};
        weft::go([&] {
          for (int i = 1; i <= 30; ++i) progress.write(i);
          finished.store(true);
        });
        (void)poll_until(weft::after(1ms));
        weft::check(finished.load(), "the deadline fired while the worker still ran");
      },
      [] {
        auto o = opts(weft::StrategyKind::random);
        o.detect_races = false;
        return o;
      }());
  EXPECT_TRUE(r.ok()) << r;
}

TEST(PollTime, AFewProbesOrAYieldLoopKeepTimeStill) {
  auto r = weft::explore(
      [] {
        auto deadline = weft::after(1ms);
        const auto t0 = weft::Clock::now();
        for (int i = 0; i < 5; ++i)
          weft::select(weft::recv_case(deadline), weft::default_case());
        for (int i = 0; i < 100; ++i) weft::yield();
        weft::check(weft::Clock::now() == t0, "the clock moved");
      },
      opts(weft::StrategyKind::random));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(PollTime, PollingWithNoTimerPendingIsStillALivelock) {
  auto r = weft::explore(
      [] {
        auto never = weft::make_chan<int>();
        for (;;) weft::select(weft::recv_case(never, [](int) {}), weft::default_case());
      },
      opts(weft::StrategyKind::random));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::step_limit) << r;
  EXPECT_NE(r.failure->report.find("spinning on a select default or a failed try operation "
                                   "and no timer is pending"),
            std::string::npos)
      << r;
}

}  // namespace

}  // namespace poll_time_test
