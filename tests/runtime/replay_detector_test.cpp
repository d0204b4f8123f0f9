// replay_detector_test.cpp — the detector settings in a replay token's fingerprint
// (runtime/src/schedule.hpp): ExploreOptions::detect_races and lock_order change what a
// schedule reports, not the schedule (tested here: the same steps, decisions and choices with
// the detector on or off), so a token records them; a replay with the other setting is a
// configuration failure whose report names the setting, both values and the variable or
// option to set; the matching replay reproduces the finding; a w3 token written before they
// were recorded replays as before. (schedule_test.cpp: the test's name, the schedule space
// and the weft; replay_site_test.cpp: the explore() call of an exploration with no name.)
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "depth_kernels.hpp"
#include "schedule.hpp"
#include "test_support.hpp"
#include "weft/weft.hpp"

namespace replay_detector_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::FailureKind;
using weft::StrategyKind;
using weft::detail::decode_schedule;
using weft::detail::TokenFingerprint;
using weft_test::as_older_w3;
using weft_test::opts;
using weft_test::parts_of;

using weft_test::contains;

// ---------------------------------------------------------------------------------------
// Bodies.

// Two goroutines write one int with nothing between them: a data race in every schedule.
void racy_writes() {
  int x = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int k = 0; k < 2; ++k)
    weft::go([&] {
      weft::race::write(&x, sizeof x);
      wg.done();
    });
  wg.wait();
}

// A data race, then an assertion that fails when the second sender's value arrives first:
// without the detector the assertion is the failure; with it, the race comes first.
void race_then_order() {
  int shared = 0;
  auto c = weft::make_chan<int>();
  weft::go([&shared, c] {
    weft::race::write(&shared, sizeof shared);
    c.send(1);
  });
  weft::go([&shared, c] {
    weft::race::write(&shared, sizeof shared);
    c.send(2);
  });
  const int first = c.recv();
  (void)c.recv();
  weft::check(first == 1, "the first sender's value arrives first");
}

// Without a race or an inversion, but with everything the detector watches: locked and
// unlocked accesses (scheduling points with schedule_accesses), a channel, a WaitGroup whose
// wait blocks (the detector models a write there), atomics. Fails in one order of the three
// workers, so that explorations stop at a schedule to compare.
void watched_work(bool fail_in_one_order) {
  weft::Mutex m;
  std::vector<int> order;
  int guarded = 0;
  weft::Atomic<int> hits{0};
  auto c = weft::make_chan<int>(3);
  weft::WaitGroup wg;
  wg.add(3);
  for (int k = 0; k < 3; ++k)
    weft::go([&, k] {
      int mine = k;
      weft::race::write(&mine, sizeof mine);
      m.lock();
      weft::race::read(&guarded, sizeof guarded);
      weft::race::write(&guarded, sizeof guarded);
      order.push_back(k);
      m.unlock();
      hits.add(1);
      c.send(k);
      wg.done();
    });
  wg.wait();
  for (int k = 0; k < 3; ++k) (void)c.recv();
  weft::check(hits.load() == 3, "every worker counted");
  if (fail_in_one_order)
    weft::check(order != std::vector<int>{2, 0, 1}, "the workers ran 2, 0, 1");
}

weft::ExploreOptions replay_options(const std::string& token, const std::string& name = "") {
  weft::ExploreOptions o = opts(1);
  o.strategy = StrategyKind::replay;
  o.replay = token;
  o.name = name;
  return o;
}

// ---------------------------------------------------------------------------------------
// The detector settings.

TEST(ReplayDetector, ARaceTokenReplayedWithoutTheDetectorIsRefusedNamingTheSetting) {
  weft::ExploreOptions o = opts(StrategyKind::random, 10);
  o.name = "ReplayDetector.Race";
  const weft::ExploreResult found = weft::explore(racy_writes, o);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, FailureKind::data_race) << found;

  weft::ExploreOptions off = replay_options(found.token, o.name);
  off.detect_races = false;
  const weft::ExploreResult refused = weft::explore(racy_writes, off);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure->kind, FailureKind::configuration) << refused;
  EXPECT_EQ(refused.iterations, 0u) << "refused before anything ran";
  EXPECT_TRUE(contains(refused.failure->report,
                       "ExploreOptions::replay: replay token was recorded with the race detector "
                       "(ExploreOptions::detect_races, WEFT_DETECT_RACES) on, and this "
                       "exploration has it off: a data race or lock-order inversion it reported "
                       "would not be reported"))
      << refused.failure->report;
  EXPECT_TRUE(contains(refused.failure->report,
                       "replay it with WEFT_DETECT_RACES=1 (or ExploreOptions::detect_races = "
                       "true), as it was recorded"))
      << refused.failure->report;

  // Turned off through the environment: refused the same way, under the variable that holds
  // the token; turned back on as the report says, the race again, byte for byte.
  ::setenv("WEFT_REPLAY", found.token.c_str(), 1);
  ::setenv("WEFT_DETECT_RACES", "0", 1);
  weft::ExploreOptions env = opts(5);
  env.use_environment = true;
  env.name = o.name;
  const weft::ExploreResult env_refused = weft::explore(racy_writes, env);
  ::setenv("WEFT_DETECT_RACES", "1", 1);
  const weft::ExploreResult again = weft::explore(racy_writes, env);
  ::unsetenv("WEFT_DETECT_RACES");
  ::unsetenv("WEFT_REPLAY");
  ASSERT_FALSE(env_refused.ok());
  EXPECT_EQ(env_refused.failure->kind, FailureKind::configuration) << env_refused;
  EXPECT_TRUE(contains(env_refused.failure->report,
                       "WEFT_REPLAY: replay token was recorded with the race detector"))
      << env_refused.failure->report;
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.strategy, StrategyKind::replay);
  EXPECT_EQ(again.failure->kind, FailureKind::data_race) << again;
  EXPECT_EQ(again.failure->report, found.failure->report);
  EXPECT_EQ(again.token, found.token);
}

TEST(ReplayDetector, ATokenFoundWithoutTheDetectorIsRefusedWithIt) {
  weft::ExploreOptions o = opts(StrategyKind::random, 50);
  o.name = "ReplayDetector.Order";
  o.detect_races = false;
  const weft::ExploreResult found = weft::explore(race_then_order, o);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, FailureKind::assertion) << found;

  weft::ExploreOptions on = replay_options(found.token, o.name);  // detect_races by default
  const weft::ExploreResult refused = weft::explore(race_then_order, on);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure->kind, FailureKind::configuration) << refused;
  EXPECT_TRUE(contains(refused.failure->report,
                       "replay token was recorded with the race detector "
                       "(ExploreOptions::detect_races, WEFT_DETECT_RACES) off, and this "
                       "exploration has it on: the replay could stop at a data race or "
                       "lock-order inversion before the failure it was recorded for; replay it "
                       "with WEFT_DETECT_RACES=0 (or ExploreOptions::detect_races = false)"))
      << refused.failure->report;
  // What the refusal spares: the same schedule with the detector stops at the race, choices
  // left over, and the replay says the token does not belong to the program.
  const weft::ExploreResult other =
      weft::explore(race_then_order, replay_options(as_older_w3(found.token), o.name));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.failure->kind, FailureKind::replay_diverged) << other;
  EXPECT_TRUE(contains(other.failure->report, "ended in a data race")) << other;

  on.detect_races = false;
  const weft::ExploreResult again = weft::explore(race_then_order, on);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, FailureKind::assertion) << again;
  EXPECT_EQ(again.failure->report, found.failure->report);
}

TEST(ReplayDetector, TheLockOrderModeIsRecordedWithTheDetector) {
  auto body = [] { weft_test::lock_inversion(40); };
  // Fail mode: the inversion is the failure; in warn mode it would only be warned about.
  weft::ExploreOptions fail = opts(StrategyKind::random, 20);
  fail.name = "ReplayDetector.Inversion";
  const weft::ExploreResult inversion = weft::explore(body, fail);
  ASSERT_FALSE(inversion.ok());
  ASSERT_EQ(inversion.failure->kind, FailureKind::lock_order) << inversion;
  weft::ExploreOptions r = replay_options(inversion.token, fail.name);
  r.lock_order = weft::LockOrderMode::warn;
  weft::ExploreResult refused = weft::explore(body, r);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure->kind, FailureKind::configuration) << refused;
  EXPECT_TRUE(contains(refused.failure->report,
                       "replay token was recorded with lock-order inversions set to fail "
                       "(ExploreOptions::lock_order, WEFT_LOCK_ORDER), and this exploration has "
                       "them warn: an inversion that failed it would only be warned about"))
      << refused.failure->report;
  EXPECT_TRUE(contains(refused.failure->report,
                       "replay it with WEFT_LOCK_ORDER=fail (or ExploreOptions::lock_order = "
                       "weft::LockOrderMode::fail), as it was recorded"))
      << refused.failure->report;
  r.lock_order = weft::LockOrderMode::fail;
  const weft::ExploreResult again = weft::explore(body, r);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, FailureKind::lock_order) << again;
  EXPECT_EQ(again.failure->report, inversion.failure->report);

  // Warn mode: the deadlock its steering reached; in fail mode the inversion would fail first.
  weft::ExploreOptions warn = fail;
  warn.iterations = 200;
  warn.lock_order = weft::LockOrderMode::warn;
  const weft::ExploreResult deadlock = weft::explore(body, warn);
  ASSERT_FALSE(deadlock.ok());
  ASSERT_EQ(deadlock.failure->kind, FailureKind::deadlock) << deadlock;
  r = replay_options(deadlock.token, fail.name);
  refused = weft::explore(body, r);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure->kind, FailureKind::configuration) << refused;
  EXPECT_TRUE(contains(refused.failure->report,
                       "recorded with lock-order inversions set to warn (ExploreOptions::"
                       "lock_order, WEFT_LOCK_ORDER), and this exploration has them fail: the "
                       "replay could fail at a lock-order inversion before the failure it was "
                       "recorded for; replay it with WEFT_LOCK_ORDER=warn"))
      << refused.failure->report;
  r.lock_order = weft::LockOrderMode::warn;
  const weft::ExploreResult closed = weft::explore(body, r);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.failure->kind, FailureKind::deadlock) << closed;
  EXPECT_EQ(closed.failure->report, deadlock.failure->report);
}

TEST(ReplayDetector, WithoutTheDetectorTheLockOrderModeIsNotRecorded) {
  weft::detail::TokenSettings s;
  s.detect_races = false;
  s.lock_order_warn = true;
  const TokenFingerprint warn = weft::detail::make_fingerprint(s);
  s.lock_order_warn = false;
  const TokenFingerprint fail = weft::detail::make_fingerprint(s);
  EXPECT_TRUE(warn == fail);
  EXPECT_EQ(warn.space & weft::detail::kSpaceRaces, 0u);
  EXPECT_NE(warn.space & weft::detail::kSpaceDetectorKnown, 0u);
  EXPECT_EQ(weft::detail::fingerprint_mismatch(warn, fail, ""), "");
}

// The detector adds no scheduling point, with memory accesses as points or not: an
// exploration takes the same steps and decisions with it on or off, and stops at the same
// iteration with the same choices.
TEST(ReplayDetector, TheDetectorChangesNoSchedule) {
  for (bool accesses : {false, true}) {
    for (bool failing : {false, true}) {
      weft::ExploreResult runs[2];
      for (bool detect : {false, true}) {
        weft::ExploreOptions o = opts(150);  // the default portfolio
        o.schedule_accesses = accesses;
        o.detect_races = detect;
        runs[detect] = weft::explore([failing] { watched_work(failing); }, o);
      }
      const weft::ExploreResult &off = runs[0], &on = runs[1];
      SCOPED_TRACE(fmt::format("accesses {}, failing {}", accesses, failing));
      EXPECT_EQ(on.ok(), off.ok()) << on << off;
      EXPECT_EQ(on.iterations, off.iterations);
      EXPECT_EQ(on.steps, off.steps);
      EXPECT_EQ(on.decisions, off.decisions);
      EXPECT_EQ(on.distinct_schedules, off.distinct_schedules);
      EXPECT_GT(on.decisions, on.iterations) << "the iterations had choices to make";
      if (!failing) {
        EXPECT_TRUE(on.ok()) << on;
        continue;
      }
      ASSERT_FALSE(on.ok()) << "some schedule runs the workers 2, 0, 1";
      ASSERT_FALSE(off.ok());
      EXPECT_EQ(on.failure->kind, FailureKind::assertion) << on;
      EXPECT_EQ(on.iteration, off.iteration);
      EXPECT_EQ(on.failure->report, off.failure->report);
      // The same choices, under fingerprints that differ only in the detector bit.
      EXPECT_EQ(parts_of(on.token).schedule, parts_of(off.token).schedule);
      EXPECT_EQ(parts_of(on.token).space ^ parts_of(off.token).space, weft::detail::kSpaceRaces);
    }
  }
}

TEST(ReplayDetector, AnOlderW3TokenReplaysAsBefore) {
  weft::ExploreOptions o = opts(StrategyKind::random, 10);
  o.name = "ReplayDetector.Older";
  const weft::ExploreResult found = weft::explore(racy_writes, o);
  ASSERT_FALSE(found.ok());
  ASSERT_EQ(found.failure->kind, FailureKind::data_race) << found;
  const std::string older = as_older_w3(found.token);
  const TokenFingerprint f = decode_schedule(older).fingerprint();
  ASSERT_EQ(f.space, 7u) << "schedule_accesses and spurious wake-ups only";
  ASSERT_EQ(f.test, weft::detail::test_fingerprint(o.name));
  // With the detector: the race again.
  const weft::ExploreResult again = weft::explore(racy_writes, replay_options(older, o.name));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, FailureKind::data_race) << again;
  EXPECT_EQ(again.failure->report, found.failure->report);
  // Without it: not refused (the token does not say), the schedule runs as it did before.
  weft::ExploreOptions off = replay_options(older, o.name);
  off.detect_races = false;
  const weft::ExploreResult ran = weft::explore(racy_writes, off);
  EXPECT_TRUE(ran.ok() || (ran.failure->kind != FailureKind::configuration &&
                           ran.failure->kind != FailureKind::data_race))
      << ran;
}

}  // namespace

}  // namespace replay_detector_test
