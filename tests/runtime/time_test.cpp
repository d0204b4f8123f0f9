// Conformance: Go's time package under weft::explore's virtual clock — sleep, After as a
// select timeout, Timer stop/reset results (Go before 1.23: capacity-1 channel, Stop does
// not drain), Ticker delivery times and dropped ticks, same-instant timers in either order,
// time moving only when nothing can run, and "arming a timer happens before its fire is
// received".
#include <gtest/gtest.h>

#include <source_location>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "recorder.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace time_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

using weft_test::Point;
using weft_test::Recorder;
using TP = weft::Clock::time_point;

weft::ExploreOptions opts(std::uint64_t iterations = 100) {
  return weft::gtest::isolated(iterations);
}

template <class F>
void expect_ok(F body, std::uint64_t iterations = 100,
               std::source_location where = std::source_location::current()) {
  weft::gtest::expect_every_schedule_passes(body, opts(iterations), where);
}

// Virtual time since the iteration began.
weft::Duration since_start() { return weft::Clock::now().time_since_epoch(); }

// Whether a receive from c would find a value now (Go's select with a default case).
bool has_value(const weft::RecvChan<TP>& c) {
  return weft::select(weft::recv_case(c), weft::default_case()) == 0;
}

TEST(Time, ClockStartsAtZeroInEveryIteration) {
  expect_ok([] {
    weft::check(since_start() == weft::Duration::zero(), "virtual clock starts at zero");
    weft::sleep(3s);
  }, 5);
}

TEST(Time, SleepOfAnHourIsInstantAndExact) {
  auto real0 = std::chrono::steady_clock::now();
  expect_ok([] {
    auto t0 = weft::Clock::now();
    weft::sleep(1h);
    weft::check(weft::Clock::now() - t0 == 1h, "exactly one virtual hour");
    weft::sleep(1ns);
    weft::check(weft::Clock::now() - t0 == 1h + 1ns, "nanosecond resolution");
  }, 20);
  EXPECT_LT(std::chrono::steady_clock::now() - real0, 5s) << "virtual time took real time";
}

TEST(Time, SleepOfZeroOrLessOnlyYields) {
  expect_ok([] {
    weft::sleep(0s);
    weft::sleep(-5s);
    weft::check(since_start() == weft::Duration::zero(), "no time passed");
  }, 5);
}

TEST(Time, SleepersWakeInDeadlineOrder) {
  expect_ok([] {
    std::vector<int> order;
    weft::WaitGroup wg;
    for (int s : {3, 1, 2}) {
      wg.add(1);
      weft::go([&, s] {
        weft::sleep(std::chrono::seconds(s));
        weft::check(since_start() == std::chrono::seconds(s), "woke exactly at its deadline");
        order.push_back(s);
        wg.done();
      });
    }
    wg.wait();
    weft::check(order == std::vector<int>{1, 2, 3}, "deadline order");
  });
}

TEST(Time, VirtualTimeMovesOnlyWhenNothingIsRunnable) {
  expect_ok([] {
    int spins = 0;
    bool clock_moved = false;
    weft::go([&] {
      for (int i = 0; i < 1000; ++i) {
        if (since_start() != weft::Duration::zero()) clock_moved = true;
        ++spins;
        weft::yield();  // runnable all along
      }
    });
    weft::sleep(1ms);
    weft::check(spins == 1000, "main woke while another goroutine could still run");
    weft::check(!clock_moved, "the clock moved while a goroutine was runnable");
    weft::check(since_start() == 1ms, "then it jumped straight to the deadline");
  }, 20);
}

TEST(Time, AfterAsASelectTimeout) {
  expect_ok([] {
    auto never = weft::make_chan<int>();
    int fired = weft::select(weft::recv_case(never), weft::recv_case(weft::after(5s)));
    weft::check(fired == 1, "timeout case");
    weft::check(since_start() == 5s, "at exactly 5s");

    auto result = weft::make_chan<int>();
    weft::go([result] {
      weft::sleep(1s);
      result.send(7);
    });
    int got = 0;
    fired = weft::select(weft::recv_case(result, [&](int v) { got = v; }),
                         weft::recv_case(weft::after(2s)));
    weft::check(fired == 0 && got == 7, "the result beat the timeout");
    weft::check(since_start() == 6s, "received at 5s + 1s");
  });
}

TEST(TimeTimer, FiresOnceWithTheTimeOfFiring) {
  expect_ok([] {
    weft::sleep(10s);
    weft::Timer t(250ms);
    TP v = t.c().recv();
    weft::check(v == TP(10s + 250ms), "the value is the fire time");
    weft::check(since_start() == 10s + 250ms, "received at the deadline");
    weft::sleep(1h);
    weft::check(!has_value(t.c()), "a Timer fires once");
  }, 20);
}

TEST(TimeTimer, StopBeforeFiring) {
  expect_ok([] {
    weft::Timer t(1s);
    weft::sleep(500ms);
    weft::check(t.stop(), "Stop of an active timer returns true");
    weft::check(!t.stop(), "a second Stop returns false");
    weft::sleep(1h);
    weft::check(!has_value(t.c()), "a stopped timer never delivers");
  }, 20);
}

TEST(TimeTimer, StopAfterFiring) {
  expect_ok([] {
    weft::Timer t(1s);
    weft::sleep(2s);
    weft::check(!t.stop(), "Stop after the timer fired returns false");
    // Go before 1.23: Stop does not drain the channel; the fired value is still there.
    auto v = t.c().try_recv();
    weft::check(v.status == weft::RecvStatus::received && *v.value == TP(1s),
                "the fired value stays buffered");
  }, 20);
}

TEST(TimeTimer, ResetReturnValuesAndNewDeadline) {
  expect_ok([] {
    weft::Timer t(1s);
    weft::sleep(500ms);
    weft::check(t.reset(5s), "Reset of an active timer returns true");
    weft::sleep(1s);  // now 1.5s: past the old deadline
    weft::check(!has_value(t.c()), "the old deadline no longer fires");
    TP v = t.c().recv();
    weft::check(v == TP(5500ms) && since_start() == 5500ms, "fires at reset time + 5s");

    weft::check(!t.reset(1s), "Reset after the timer fired returns false");
    weft::check(t.c().recv() == TP(6500ms), "and it fires again");

    weft::check(!t.reset(1s), "fired again, so inactive: false");
    weft::check(t.stop(), "the re-armed timer is active");
    weft::check(!t.reset(2s), "Reset after Stop returns false");
    weft::check(t.c().recv() == TP(8500ms), "re-armed after Stop");
  }, 20);
}

TEST(TimeTimer, DroppedTimerStillFires) {
  // A Go timer fires even when no reference to the Timer remains; only its channel does.
  expect_ok([] {
    weft::RecvChan<TP> c;
    { c = weft::Timer(3s).c(); }
    weft::check(c.recv() == TP(3s), "fired");
  }, 5);
}

TEST(TimeTicker, DeliversAtEveryPeriod) {
  expect_ok([] {
    weft::Ticker tick(10ms);
    for (int i = 1; i <= 3; ++i) {
      TP v = tick.c().recv();
      weft::check(v == TP(i * 10ms), "tick value is its time");
      weft::check(since_start() == i * 10ms, "received at d, 2d, 3d");
    }
    tick.stop();
  }, 20);
}

TEST(TimeTicker, DropsTicksForASlowReceiver) {
  expect_ok([] {
    weft::Ticker tick(1s);
    weft::sleep(10s);  // ten periods pass; the channel holds one tick
    weft::check(tick.c().recv() == TP(1s), "the one buffered tick is the first");
    weft::check(since_start() == 10s, "received without waiting");
    weft::check(!has_value(tick.c()), "the ticks at 2s..10s were dropped");
    weft::check(tick.c().recv() == TP(11s), "the next tick is at the next period boundary");
    weft::check(since_start() == 11s, "received at 11s");
    tick.stop();
  }, 20);
}

TEST(TimeTicker, StopAndReset) {
  expect_ok([] {
    weft::Ticker tick(1s);
    weft::check(tick.c().recv() == TP(1s), "first tick");
    tick.reset(5s);
    weft::check(tick.c().recv() == TP(6s), "period changed by Reset, counted from Reset");
    weft::check(tick.c().recv() == TP(11s), "and kept");
    tick.stop();
    weft::sleep(1h);
    weft::check(!has_value(tick.c()), "no tick after Stop");
  }, 20);
}

TEST(TimeTicker, NonPositiveIntervalPanics) {
  expect_ok([] {
    for (weft::Duration d : {weft::Duration(0), weft::Duration(-1s)}) {
      std::string msg;
      try {
        weft::Ticker t(d);
      } catch (const weft::Panic& p) {
        msg = p.what();
      }
      weft::check(msg == "non-positive interval for NewTicker", "NewTicker panic");
    }
    weft::Ticker t(1s);
    std::string msg;
    try {
      t.reset(0s);
    } catch (const weft::Panic& p) {
      msg = p.what();
    }
    weft::check(msg == "non-positive interval for Ticker.Reset", "Reset panic");
    t.stop();
  }, 5);
  auto r = weft::explore([] { weft::Ticker t(0s); }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_EQ(r.failure->report.rfind("panic: non-positive interval for NewTicker\n", 0), 0u)
      << r.failure->report;
}

TEST(TimeTimer, SameInstantTimersFireInBothOrders) {
  // A goroutine parked in select on two timers due at the same instant takes the one that
  // fires first; the strategy chooses that order, so both occur.
  std::set<int> winners;
  expect_ok([&] {
    weft::Timer a(1s), b(1s);
    int fired = weft::select(weft::recv_case(a.c()), weft::recv_case(b.c()));
    weft::check(since_start() == 1s, "both due at 1s");
    winners.insert(fired);
    // The other one fired too and is buffered.
    weft::check(has_value(fired == 0 ? b.c() : a.c()), "the other timer fired as well");
  }, 200);
  EXPECT_EQ(winners, (std::set<int>{0, 1}));
}

TEST(TimeHappensBefore, ArmingATimerBeforeReceivingItsFire) {
  // The receiver learns of the timer through plain memory (no edge), so only the arm ->
  // receive edge can order main's arming point before its receive.
  Recorder rec;
  auto o = opts(100);
  o.sinks = {&rec};
  auto r = weft::explore([&] {
    std::optional<weft::RecvChan<TP>> c;
    std::optional<Point> received;
    auto done = weft::make_chan<int>(1);
    weft::go([&, done] {
      weft::sleep(1ms);  // main has armed the timer by now
      c->recv();
      received = rec.now(weft::goid());
      done.send(0);
    });
    Point before_arm = rec.now(weft::goid());
    weft::Timer t(1s);
    Point after_arm = rec.now(weft::goid());
    c = t.c();
    done.recv();
    weft::check(Recorder::happens_before(before_arm, *received), "arm happens before receive");
    weft::check(!Recorder::happens_before(after_arm, *received), "after arming: unordered");
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse);
}

}  // namespace

}  // namespace time_test
