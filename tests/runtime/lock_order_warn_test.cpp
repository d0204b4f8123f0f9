// lock_order_warn_test.cpp — ExploreOptions::lock_order = warn (WEFT_LOCK_ORDER=warn): a
// lock-order inversion does not fail the run; the explorer steers later schedules to
// interleave the cycle's acquisitions, reports the deadlock when it reaches one, and
// otherwise lists the cycle in ExploreResult::warnings.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "depth_kernels.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace lock_order_warn_test {  // this file's names, apart from the other tests' in a unity build

namespace {

constexpr int kPrefix = 40;

// The inversion is closed only if "ab" stays between its two locks for all of "ba"'s
// kPrefix yields: about one random schedule in 2^40.
void late_inversion() { weft_test::lock_inversion(kPrefix); }

// The same inversion, but "ba" starts only after "ab" set `done` under the mutex `m`, which
// it polls. The order comes from m's edges and a flag, which the detector does not count as
// ordering (a mutex's edges order nothing), so it sees a cycle; no schedule can close it.
void inversion_behind_a_flag() {
  weft::Mutex a, b, m;
  bool done = false;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    m.lock();
    a.lock();
    b.lock();
    b.unlock();
    a.unlock();
    done = true;
    m.unlock();
    wg.done();
  });
  weft::go([&] {
    for (;;) {
      m.lock();
      const bool go_on = done;
      m.unlock();
      if (go_on) break;
      weft::yield();
    }
    b.lock();
    a.lock();
    a.unlock();
    b.unlock();
    wg.done();
  });
  wg.wait();
}

weft::ExploreOptions random_options(weft::LockOrderMode mode, std::uint64_t iterations) {
  weft::ExploreOptions o = weft::gtest::isolated(iterations);
  o.strategy = weft::StrategyKind::random;
  o.lock_order = mode;
  return o;
}

TEST(LockOrderWarn, RandomWalkAloneDoesNotReachTheDeadlock) {
  // The baseline the steering is measured against: no detector, no steering.
  weft::ExploreOptions o = random_options(weft::LockOrderMode::fail, 200);
  o.detect_races = false;
  auto r = weft::explore(late_inversion, o);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(LockOrderWarn, FailModeReportsTheInversion) {
  auto r = weft::explore(late_inversion, random_options(weft::LockOrderMode::fail, 200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::lock_order) << r;
  EXPECT_EQ(r.iteration, 0u);
}

TEST(LockOrderWarn, WarnModeClosesTheCycleIntoADeadlockWithAToken) {
  auto r = weft::explore(late_inversion, random_options(weft::LockOrderMode::warn, 200));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  EXPECT_EQ(r.iteration, 1u);  // the first steered iteration, after the cycle was seen in 0
  EXPECT_TRUE(r.warnings.empty()) << r;  // the cycle was closed: no warning left
  EXPECT_NE(r.failure->report.find("sync.Mutex.Lock"), std::string::npos) << r;

  // The token replays the deadlock without any steering (none under replay), in warn mode
  // as it was recorded: in fail mode the inversion would fail first, and a replay with
  // another mode is refused (Schedule.ATokenRecordsTheDetectorSettingsItWasFoundWith).
  weft::ExploreOptions again = random_options(weft::LockOrderMode::warn, 1);
  again.strategy = weft::StrategyKind::replay;
  again.replay = r.token;
  auto replayed = weft::explore(late_inversion, again);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.failure->kind, weft::FailureKind::deadlock) << replayed;
}

TEST(LockOrderWarn, ACycleNoScheduleClosesIsAWarningNotAFailure) {
  auto r = weft::explore(inversion_behind_a_flag,
                         random_options(weft::LockOrderMode::warn, 100));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 100u);
  ASSERT_EQ(r.warnings.size(), 1u) << r;
  EXPECT_EQ(r.warnings[0].kind, weft::FailureKind::lock_order);
  EXPECT_EQ(r.warnings[0].cycle.size(), 2u);
  const std::string text = r.to_string();
  EXPECT_NE(text.find("weft: warning: lock-order inversion that no schedule closed into a "
                      "deadlock (100 iterations explored"),
            std::string::npos)
      << text;
  EXPECT_NE(r.to_json().find("\"warnings\""), std::string::npos);

  // The default mode fails on the same program.
  auto failed = weft::explore(inversion_behind_a_flag,
                              random_options(weft::LockOrderMode::fail, 100));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.failure->kind, weft::FailureKind::lock_order) << failed;
}

TEST(LockOrderWarn, TheEnvironmentVariableSetsTheModeAndRejectsOtherValues) {
  weft::ExploreOptions o = random_options(weft::LockOrderMode::fail, 20);
  o.use_environment = true;
  ::setenv("WEFT_LOCK_ORDER", "warn", 1);
  auto warned = weft::explore(inversion_behind_a_flag, o);
  ::setenv("WEFT_LOCK_ORDER", "sometimes", 1);
  auto bad = weft::explore(inversion_behind_a_flag, o);
  ::unsetenv("WEFT_LOCK_ORDER");
  EXPECT_TRUE(warned.ok()) << warned;
  EXPECT_EQ(warned.warnings.size(), 1u) << warned;
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(bad.failure->report.find("WEFT_LOCK_ORDER='sometimes' must be fail"),
            std::string::npos)
      << bad;
}

}  // namespace

}  // namespace lock_order_warn_test
