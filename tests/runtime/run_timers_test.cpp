// Timers under weft::run, whose heaps are per processor: a timer goes to the heap of the
// processor that armed it, and any processor fires any heap's due timers. Every assertion
// is about an outcome that holds however late a timer fires or whichever processor fires
// it: counts (each timer fires once), the agreement of Stop's result with the channel, and
// that a timer armed by a goroutine that then computes without ever blocking still fires
// while it computes (its processor is busy, so another must fire it).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "weft/weft.hpp"

#include "test_support.hpp"

namespace run_timers_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

using weft_test::procs;

// Every one of n goroutines reaches this before any leaves it. The goroutines spin without
// blocking, so they are all running at once: on n different processors.
class SpinBarrier {
 public:
  explicit SpinBarrier(long n) : n_(n) {}
  void arrive() {
    arrived_.fetch_add(1);
    while (arrived_.load() < n_) {
    }
  }

 private:
  const long n_;
  std::atomic<long> arrived_{0};
};

// Whether a value is waiting on c, taking it if so.
bool take_now(const weft::RecvChan<weft::Clock::time_point>& c) {
  return weft::select(weft::recv_case(c), weft::default_case()) == 0;
}

class RunTimers : public ::testing::TestWithParam<unsigned> {};

// Each round, one goroutine per processor (a spin barrier puts them on different
// processors) arms a batch of timers, so every heap gets some; each timer must deliver
// exactly one value, after which stop() says it had fired and nothing else arrives.
TEST_P(RunTimers, TimersArmedOnEveryProcessorFireOnce) {
  const unsigned p = GetParam();
  constexpr int kRounds = 20, kPerGoroutine = 16;
  std::atomic<long> fired{0}, stopped_late{0}, extra{0};
  ASSERT_EQ(weft::run([&] {
              for (int round = 0; round < kRounds; ++round) {
                SpinBarrier barrier(p);
                weft::WaitGroup wg;
                wg.add(p);
                for (unsigned g = 0; g < p; ++g)
                  weft::go([&, g, round] {
                    barrier.arrive();
                    std::vector<weft::Timer> timers;
                    for (int i = 0; i < kPerGoroutine; ++i) {
                      const long us = (i * 37 + static_cast<long>(g) * 11 + round) % 300;
                      timers.emplace_back(std::chrono::microseconds(us));
                    }
                    for (auto& t : timers) {
                      t.c().recv();
                      fired.fetch_add(1);
                    }
                    for (auto& t : timers) {
                      if (t.stop()) stopped_late.fetch_add(1);
                      if (take_now(t.c())) extra.fetch_add(1);
                    }
                    wg.done();
                  });
                wg.wait();
              }
            }, procs(p)),
            0);
  EXPECT_EQ(fired.load(), long{kRounds} * kPerGoroutine * p);
  EXPECT_EQ(stopped_late.load(), 0);
  EXPECT_EQ(extra.load(), 0);
}

// Sleepers and After in a select, from many goroutines spread over the processors: every
// sleep returns and every After fires exactly once.
TEST_P(RunTimers, ManySleepersAndAftersAllWake) {
  const long n = 300;
  constexpr int kLoops = 10;
  std::atomic<long> woke{0}, timed_out{0};
  ASSERT_EQ(weft::run([&] {
              auto never = weft::make_chan<int>();
              weft::WaitGroup wg;
              wg.add(n);
              for (long i = 0; i < n; ++i)
                weft::go([&, i, never] {
                  for (int k = 0; k < kLoops; ++k) {
                    if ((i + k) % 2 == 0) {
                      weft::sleep(std::chrono::microseconds((i * 13 + k) % 200));
                      woke.fetch_add(1);
                    } else {
                      auto after = weft::after(std::chrono::microseconds((i * 7 + k) % 200));
                      if (weft::select(weft::recv_case(never), weft::recv_case(after)) == 1)
                        timed_out.fetch_add(1);
                      if (take_now(after)) timed_out.fetch_add(1000000);  // a second value
                    }
                  }
                  wg.done();
                });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(woke.load() + timed_out.load(), n * kLoops);
}

// Stop() against a firing in progress on another processor: true must mean the callback
// never runs (no value, then or later), false that it has run (its value is already there:
// remove_timer waits out a callback in progress). Between arming and stopping, the
// goroutine computes for a varying while, so some timers are stopped early, some fire first.
TEST_P(RunTimers, StopResultAgreesWithTheChannel) {
  const unsigned p = GetParam();
  const long goroutines = 4 * p;
  constexpr int kPerGoroutine = 400;
  std::atomic<long> stopped{0}, fired{0}, bad{0};
  std::atomic<std::uint64_t> sink{0};
  ASSERT_EQ(weft::run([&] {
              weft::WaitGroup wg;
              wg.add(goroutines);
              for (long g = 0; g < goroutines; ++g)
                weft::go([&, g] {
                  std::uint64_t x = static_cast<std::uint64_t>(g) * 0x9e3779b97f4a7c15ull + 1;
                  std::vector<weft::Timer> keep;
                  for (int i = 0; i < kPerGoroutine; ++i) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    weft::Timer t(std::chrono::nanoseconds(x % 4000));
                    std::uint64_t acc = 0;
                    for (std::uint64_t k = 0, spins = (x >> 20) % 4000; k < spins; ++k)
                      acc += k * x;
                    sink.fetch_add(acc, std::memory_order_relaxed);
                    if (t.stop()) {
                      stopped.fetch_add(1);
                      if (take_now(t.c())) bad.fetch_add(1);
                      keep.push_back(t);  // looked at again below, after the others
                    } else {
                      fired.fetch_add(1);
                      if (!take_now(t.c())) bad.fetch_add(1);
                    }
                  }
                  weft::yield();
                  for (auto& t : keep)
                    if (take_now(t.c())) bad.fetch_add(1);  // a stopped timer fired later
                  wg.done();
                });
              wg.wait();
            }, procs(p)),
            0);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(stopped.load() + fired.load(), goroutines * kPerGoroutine);
}

// Reset and Stop report what Go's do under weft::run too.
TEST_P(RunTimers, ResetAndStopResults) {
  bool reset_active = false, reset_fired = true, stop_after_fire = true, stop_active = false;
  int got = 0;
  ASSERT_EQ(weft::run([&] {
              weft::Timer t(1h);
              reset_active = t.reset(50us);  // it was active
              t.c().recv();
              ++got;
              reset_fired = t.reset(50us);  // it had fired
              t.c().recv();
              ++got;
              stop_after_fire = t.stop();
              t.reset(1h);
              stop_active = t.stop();
            }, procs(GetParam())),
            0);
  EXPECT_TRUE(reset_active);
  EXPECT_FALSE(reset_fired);
  EXPECT_FALSE(stop_after_fire);
  EXPECT_TRUE(stop_active);
  EXPECT_EQ(got, 2);
}

INSTANTIATE_TEST_SUITE_P(Procs, RunTimers, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

// How long a goroutine computes before it gives up waiting for a timer it armed: a count
// of loop turns, not a time. Far more than any delay a loaded machine puts between the
// deadline and the other processor's wake-up (a turn is a few nanoseconds, so this is
// tens of seconds): reaching it means nobody fired the timer while its processor was busy.
constexpr std::uint64_t kGiveUp = std::uint64_t{1} << 36;

// A goroutine arms a timer, then computes without ever blocking or yielding until the
// timer's effect is seen. The timer sits in the busy processor's heap, so only another
// processor can fire it: it must, while the goroutine still computes.
TEST(RunTimersBusy, ATimerFiresWhileItsProcessorComputes) {
  bool fired_while_busy = false;
  ASSERT_EQ(weft::run([&] {
              weft::Timer t(200us);
              std::atomic<bool> seen{false};
              weft::go([&seen, t] {
                t.c().recv();
                seen.store(true);
              });
              std::uint64_t turns = 0;
              while (!seen.load() && turns < kGiveUp) ++turns;
              fired_while_busy = seen.load();
            }, procs(2)),
            0);
  EXPECT_TRUE(fired_while_busy);
}

// The same with a ticker (re-armed by its own callback, in the heap it was fired from) and
// a context deadline (its cancel runs on a goroutine the firing processor starts).
TEST(RunTimersBusy, TickerAndDeadlineFireWhileTheirProcessorComputes) {
  bool ticked = false, cancelled = false;
  ASSERT_EQ(weft::run([&] {
              weft::Ticker tick(100us);
              auto [ctx, cancel] = weft::with_timeout(weft::background(), 300us);
              std::atomic<int> ticks{0};
              weft::go([&ticks, tick] {
                for (int i = 0; i < 3; ++i) {
                  tick.c().recv();
                  ticks.fetch_add(1);
                }
              });
              std::uint64_t turns = 0;
              while ((ticks.load() < 3 || ctx.err() == weft::ContextError::none) &&
                     turns < kGiveUp)
                ++turns;
              ticked = ticks.load() == 3;
              cancelled = ctx.err() == weft::ContextError::deadline_exceeded;
              tick.stop();
              cancel();
            }, procs(2)),
            0);
  EXPECT_TRUE(ticked);
  EXPECT_TRUE(cancelled);
}

}  // namespace
}  // namespace run_timers_test
