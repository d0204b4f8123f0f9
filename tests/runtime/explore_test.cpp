// Conformance: the explorer — determinism, replay tokens, failure kinds and the exact text
// of its reports (deadlock dumps in the shape of Go's), virtual time.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <set>
#include <source_location>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

namespace explore_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using namespace std::chrono_literals;

weft::ExploreOptions opts(std::uint64_t iterations = 200, std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  return o;
}

// "file:12:7 in f" -> "file:12 in f": the column of a defaulted source_location argument
// is the compiler's choice, the line is not.
std::string strip_columns(const std::string& s) {
  static const std::regex re(R"((:\d+):\d+ in )");
  return std::regex_replace(s, re, "$1 in ");
}

std::string at(const std::source_location& l) {
  return std::string(l.file_name()) + ":" + std::to_string(l.line()) + " in " +
         l.function_name();
}

// ---------------------------------------------------------------------------------------
// Determinism: every choice goes through the strategy, so (strategy, seed) fixes the run.

// Three goroutines record their steps into one vector; the order is the schedule.
std::vector<int> racy_order(std::uint64_t seed) {
  std::vector<int> order;
  auto r = weft::explore([&] {
    order.clear();
    auto done = weft::make_chan<int>(3);
    for (int id = 1; id <= 3; ++id)
      weft::go([&order, done, id] {
        for (int k = 0; k < 3; ++k) {
          weft::yield();
          order.push_back(id);
        }
        done.send(id);
      });
    for (int i = 0; i < 3; ++i) order.push_back(-done.recv());
  }, opts(1, seed));
  EXPECT_TRUE(r.ok()) << r;
  return order;
}

TEST(Explore, SameSeedSameSchedule) {
  std::set<std::vector<int>> distinct;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    auto first = racy_order(seed);
    auto second = racy_order(seed);
    ASSERT_EQ(first, second) << "seed " << seed;
    distinct.insert(first);
  }
  EXPECT_GT(distinct.size(), 10u) << "different seeds explore different schedules";
}

// A program that fails in some schedules only: x ends as (1+3)*2 = 8 or 1*2+3 = 5.
void order_dependent_counter() {
  int x = 1;
  auto done = weft::make_chan<int>();
  weft::go([&x, done] {
    weft::yield();
    x *= 2;
    done.send(0);
  });
  weft::go([&x, done] {
    weft::yield();
    x += 3;
    done.send(0);
  });
  done.recv();
  done.recv();
  weft::check(x == 8, "x == 8 (add before double)");
}

TEST(Explore, SameSeedSameReportText) {
  int failures = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    auto a = weft::explore(order_dependent_counter, opts(1, seed));
    auto b = weft::explore(order_dependent_counter, opts(1, seed));
    ASSERT_EQ(a.to_string(), b.to_string()) << "seed " << seed;
    // The JSON's only real-time fields are the stats' seconds and decisions_per_second.
    auto timeless = [](const weft::ExploreResult& r) {
      auto j = nlohmann::json::parse(r.to_json());
      j["stats"].erase("seconds");
      j["stats"].erase("decisions_per_second");
      return j.dump();
    };
    ASSERT_EQ(timeless(a), timeless(b)) << "seed " << seed;
    ASSERT_EQ(a.token, b.token);
    ASSERT_EQ(a.steps, b.steps);
    failures += a.ok() ? 0 : 1;
  }
  EXPECT_GT(failures, 0);
  EXPECT_LT(failures, 100) << "the bug shows only in some schedules";
}

TEST(Explore, OkRunReportsItsIterations) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.send(1); });
    c.recv();
  }, opts(37, 5));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 37u);
  EXPECT_EQ(r.seed, 5u);
  EXPECT_TRUE(r.token.empty());
  EXPECT_GT(r.steps, 0u);
  EXPECT_EQ(r.to_string().rfind("weft: no failure in 37 iterations", 0), 0u) << r;
}

// ---------------------------------------------------------------------------------------
// Replay.

TEST(Explore, ReplayReproducesTheFailureByteForByte) {
  auto found = weft::explore(order_dependent_counter, opts(500));
  ASSERT_FALSE(found.ok()) << "random search finds the bad order";
  ASSERT_EQ(found.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(found.failure->report.rfind("assertion failed: x == 8 (add before double)\n", 0), 0u)
      << found.failure->report;
  ASSERT_EQ(found.token.rfind("w3-", 0), 0u) << found.token;

  for (int again = 0; again < 3; ++again) {
    weft::ExploreOptions o = opts();
    o.strategy = weft::StrategyKind::replay;
    o.replay = found.token;
    auto replayed = weft::explore(order_dependent_counter, o);
    ASSERT_FALSE(replayed.ok());
    EXPECT_EQ(replayed.failure->kind, found.failure->kind);
    EXPECT_EQ(replayed.failure->report, found.failure->report);
    EXPECT_EQ(replayed.token, found.token);
    EXPECT_EQ(replayed.iterations, 1u);
    EXPECT_NE(replayed.to_string().find("replayed schedule"), std::string::npos);
  }
}

TEST(Explore, FailureReportNamesTheReplayToken) {
  auto r = weft::explore(order_dependent_counter, opts(500));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.to_string().find("replay with: WEFT_REPLAY=" + r.token + "\n"), std::string::npos)
      << r;
}

// A malformed token is a configuration failure whose report says what is wrong.
std::string replay_error(const std::string& token) {
  weft::ExploreOptions o = opts();
  o.strategy = weft::StrategyKind::replay;
  o.replay = token;
  auto r = weft::explore([] {}, o);
  if (!r.failure || r.failure->kind != weft::FailureKind::configuration)
    return "<no configuration failure>";
  return r.failure->report;
}

TEST(Explore, MalformedTokenBadPrefix) {
  EXPECT_NE(replay_error("x1-AAAA").find("must start with 'w1-'"), std::string::npos)
      << replay_error("x1-AAAA");
  EXPECT_NE(replay_error("AAAA").find("must start with 'w1-'"), std::string::npos);
  EXPECT_NE(replay_error("w9-AAAA").find("unknown version"), std::string::npos)
      << replay_error("w9-AAAA");
}

TEST(Explore, MalformedTokenBadCharacter) {
  std::string msg = replay_error("w1-AB*D");
  EXPECT_NE(msg.find("invalid character '*' at position 5"), std::string::npos) << msg;
}

TEST(Explore, MalformedTokenTruncatedInsideAChoice) {
  // Choice 200 is the varint C8 01; "yA" holds only its first byte.
  std::string msg = replay_error("w1-yA");
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Explore, MalformedTokenWithADanglingCharacter) {
  // Five characters carry 30 bits: three bytes and six bits no encoder writes.
  std::string msg = replay_error("w1-BQAAA");
  EXPECT_NE(msg.find("truncated or corrupt"), std::string::npos) << msg;
  // Non-zero padding bits in the last character ("BQ" is choice 5; "BR" is not a token).
  msg = replay_error("w1-BR");
  EXPECT_NE(msg.find("truncated or corrupt"), std::string::npos) << msg;
  // A lone character.
  msg = replay_error("w1-A");
  EXPECT_NE(msg.find("truncated or corrupt"), std::string::npos) << msg;
}

TEST(Explore, ReplayNeedsAToken) {
  std::string msg = replay_error("");
  EXPECT_NE(msg.find("needs a token"), std::string::npos) << msg;
}

TEST(Explore, TokenOfAnotherProgramDiverges) {
  // Choice 5 where only two goroutines are runnable.
  weft::ExploreOptions o = opts();
  o.strategy = weft::StrategyKind::replay;
  o.replay = weft_test::literal_token({5});
  auto body = [] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.send(1); });
    c.recv();
  };
  auto r = weft::explore(body, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::replay_diverged);
  EXPECT_NE(r.failure->report.find("choice 1 is 5 but only 2 options exist there"),
            std::string::npos)
      << r.failure->report;

  // A token that runs out: the empty schedule for a program that must choose.
  o.replay = weft_test::literal_token({});
  auto r2 = weft::explore(body, o);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.failure->kind, weft::FailureKind::replay_diverged);
  EXPECT_NE(r2.failure->report.find("the token ended at choice 0: the program asked for choice 1"),
            std::string::npos)
      << r2.failure->report;
}

// Cutting characters off a token either breaks a choice in two (a configuration failure) or
// leaves a shorter schedule, which diverges: the program asks for a choice the token does not
// hold. It never replays as a pass, nor as the original failure on padded choices.
TEST(Explore, TruncatedTokenNeverReplaysAsAPass) {
  // Named: the fingerprint is then 6 bytes, 8 digits, so that some cuts fall between whole
  // operations and decode (an unnamed exploration's adds 4 bytes of call site).
  weft::ExploreOptions named = opts(500);
  named.name = "Explore.TruncatedToken";
  auto found = weft::explore(order_dependent_counter, named);
  ASSERT_FALSE(found.ok());
  int rejected = 0, diverged = 0;
  for (std::size_t len = found.token.size() - 1; len >= 3; --len) {
    weft::ExploreOptions o = opts();
    o.name = named.name;
    o.strategy = weft::StrategyKind::replay;
    o.replay = found.token.substr(0, len);
    auto r = weft::explore(order_dependent_counter, o);
    ASSERT_FALSE(r.ok()) << "token " << o.replay << " replayed as a pass";
    if (r.failure->kind == weft::FailureKind::replay_diverged) {
      EXPECT_NE(r.failure->report.find("replay diverged: the token ended at choice"),
                std::string::npos)
          << r.failure->report;
      ++diverged;
    } else if (r.failure->kind == weft::FailureKind::configuration) {
      EXPECT_NE(r.failure->report.find("truncated"), std::string::npos) << r.failure->report;
      EXPECT_TRUE(r.token.empty());
      ++rejected;
    } else {
      ADD_FAILURE() << r;
    }
  }
  EXPECT_EQ(rejected + diverged, static_cast<int>(found.token.size()) - 3);
  EXPECT_GT(diverged, 0);
}

// ---------------------------------------------------------------------------------------
// Deadlock reports: Go's "all goroutines are asleep" with one entry per goroutine.

TEST(Explore, DeadlockReportMainBlockedOnReceive) {
  std::source_location here, made;
  auto r = weft::explore([&] {
    made = std::source_location::current(); auto c = weft::make_chan<int>();
    here = std::source_location::current(); c.recv();
  }, opts(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  // The channel's creation site too (issue 13, "Reports a person can act on").
  EXPECT_EQ(strip_columns(r.failure->report),
            "all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\n"
            "    blocked at " + at(here) + "\n"
            "    on a channel made at " + at(made) + "\n");
  // Columns are present and positive in the unstripped text.
  EXPECT_TRUE(std::regex_search(r.failure->report,
                                std::regex(":" + std::to_string(here.line()) + ":[1-9][0-9]* in ")))
      << r.failure->report;
}

TEST(Explore, DeadlockReportNamedGoroutineBlockedOnSend) {
  std::source_location main_at, worker_at, created_at, work_made, done_made;
  auto r = weft::explore([&] {
    work_made = std::source_location::current(); auto work = weft::make_chan<int>();
    done_made = std::source_location::current(); auto done = weft::make_chan<int>();
    created_at = std::source_location::current(); weft::go_named("worker", [&, work] { worker_at = std::source_location::current(); work.send(1); });
    main_at = std::source_location::current(); done.recv();
  }, opts(50));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_EQ(strip_columns(r.failure->report),
            "all goroutines are asleep - deadlock!\n\n"
            "goroutine 1 [chan receive]:\n"
            "    blocked at " + at(main_at) + "\n"
            "    on a channel made at " + at(done_made) + "\n"
            "goroutine 2 \"worker\" [chan send]:\n"
            "    blocked at " + at(worker_at) + "\n"
            "    on a channel made at " + at(work_made) + "\n"
            "    created by goroutine 1 at " + at(created_at) + "\n");
}

TEST(Explore, DeadlockReportTwoGoroutinesWaitingOnEachOther) {
  std::source_location main_at, a_at, b_at, a_made, b_made, x_made, y_made, done_made;
  auto r = weft::explore([&] {
    x_made = std::source_location::current(); auto x = weft::make_chan<int>();
    y_made = std::source_location::current(); auto y = weft::make_chan<int>();
    done_made = std::source_location::current(); auto done = weft::make_chan<int>();
    a_made = std::source_location::current(); weft::go([&, x, y] { a_at = std::source_location::current(); x.recv(); y.send(1); });
    b_made = std::source_location::current(); weft::go([&, x, y] { b_at = std::source_location::current(); y.recv(); x.send(1); });
    main_at = std::source_location::current(); done.recv();
  }, opts(50));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_EQ(strip_columns(r.failure->report),
            "all goroutines are asleep - deadlock!\n\n"
            "goroutine 1 [chan receive]:\n"
            "    blocked at " + at(main_at) + "\n"
            "    on a channel made at " + at(done_made) + "\n"
            "goroutine 2 [chan receive]:\n"
            "    blocked at " + at(a_at) + "\n"
            "    on a channel made at " + at(x_made) + "\n"
            "    created by goroutine 1 at " + at(a_made) + "\n"
            "goroutine 3 [chan receive]:\n"
            "    blocked at " + at(b_at) + "\n"
            "    on a channel made at " + at(y_made) + "\n"
            "    created by goroutine 1 at " + at(b_made) + "\n");
}

TEST(Explore, DeadlockReportListsGoroutinesInIdOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto r = weft::explore([] {
      auto c = weft::make_chan<int>();
      for (int i = 0; i < 6; ++i) weft::go([c] { c.recv(); });
      c.recv();
    }, opts(1, seed));
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock);
    std::size_t prev = 0;
    for (int id = 1; id <= 7; ++id) {
      std::size_t pos = r.failure->report.find("goroutine " + std::to_string(id) + " [");
      ASSERT_NE(pos, std::string::npos) << r.failure->report;
      ASSERT_GT(pos, prev) << r.failure->report;
      prev = pos;
    }
  }
}

TEST(Explore, DeadlockOnlyWhenEveryGoroutineIsBlocked) {
  // A goroutine that is merely slow is not a deadlock.
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] {
      for (int i = 0; i < 50; ++i) weft::yield();
      c.send(1);
    });
    c.recv();
  }, opts(100));
  EXPECT_TRUE(r.ok()) << r;
}

// ---------------------------------------------------------------------------------------
// Other failure kinds.

TEST(Explore, LivelockHitsTheStepLimit) {
  weft::ExploreOptions o = opts(5);
  o.max_steps = 1000;
  auto r = weft::explore([] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>();
    auto done = weft::make_chan<int>();
    weft::go([a] {
      for (;;) {
        if (a.try_recv()) return;
        weft::yield();
      }
    });
    weft::go([b] {
      for (;;) {
        if (b.try_recv()) return;
        weft::yield();
      }
    });
    done.recv();
  }, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::step_limit);
  EXPECT_EQ(r.failure->report.rfind("step limit exceeded: 1000 scheduling steps", 0), 0u)
      << r.failure->report;
  EXPECT_NE(r.failure->report.find("goroutine 1 [chan receive]:"), std::string::npos)
      << r.failure->report;
}

TEST(Explore, CheckFailureIsAnAssertion) {
  std::source_location here;
  auto r = weft::explore([&] {
    here = std::source_location::current(); weft::check(false, "msg");
  }, opts(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(strip_columns(r.failure->report),
            "assertion failed: msg\n\ngoroutine 1 [running]:\n    at " + at(here) + "\n");
  EXPECT_EQ(weft::failure_kind_name(r.failure->kind), "assertion failure");
}

TEST(Explore, CheckFailureInAGoroutine) {
  auto r = weft::explore([] {
    auto done = weft::make_chan<int>();
    weft::go_named("checker", [done] {
      weft::check(1 + 1 == 3, "arithmetic");
      done.send(1);
    });
    done.recv();
  }, opts(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(r.failure->report.rfind("assertion failed: arithmetic\n\ngoroutine 2 \"checker\" [running]:\n", 0), 0u)
      << r.failure->report;
}

TEST(Explore, EscapingExceptionFails) {
  auto r = weft::explore([] {
    auto done = weft::make_chan<int>();
    weft::go([done] {
      throw std::runtime_error("boom");
      done.send(1);
    });
    done.recv();
  }, opts(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::exception);
  EXPECT_EQ(r.failure->report.rfind("panic: unhandled exception: boom\n\ngoroutine 2 [running]:\n", 0), 0u)
      << r.failure->report;
}

TEST(Explore, FirstFailureStopsTheRun) {
  int iterations_run = 0;
  auto r = weft::explore([&] {
    ++iterations_run;
    weft::check(iterations_run < 4, "fails in the fourth iteration");
  }, [] {
    weft::ExploreOptions o = opts(100);
    o.check_determinism = false;  // no replays of the failing schedule: they would count too
    o.minimize_replays = 0;
    return o;
  }());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(iterations_run, 4);
  EXPECT_EQ(r.iteration, 3u);
  EXPECT_EQ(r.iterations, 4u);
}

// ---------------------------------------------------------------------------------------
// Leaks: goroutines still blocked when main returns.

TEST(Explore, BlockedGoroutineAfterMainReturnsIsALeak) {
  std::source_location blocked, made, c_made;
  auto r = weft::explore([&] {
    c_made = std::source_location::current(); auto c = weft::make_chan<int>();
    made = std::source_location::current(); weft::go_named("stuck", [&, c] { blocked = std::source_location::current(); c.recv(); });
  }, opts(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::leak);
  EXPECT_EQ(strip_columns(r.failure->report),
            "goroutine leak: 1 goroutine still alive after main returned\n\n"
            "goroutine 2 \"stuck\" [chan receive]:\n"
            "    blocked at " + at(blocked) + "\n"
            "    on a channel made at " + at(c_made) + "\n"
            "    created by goroutine 1 at " + at(made) + "\n");
}

TEST(Explore, LeakIgnoredWhenNotReported) {
  weft::ExploreOptions o = opts(20);
  o.report_leaks = false;
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.recv(); });
    weft::go([c] { c.send(1); c.send(2); });
  }, o);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Explore, GoroutineThatCanStillFinishIsNotALeak) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>(1);
    weft::go([c] {
      weft::yield();
      c.send(1);  // buffered: completes after main is gone
    });
  }, opts(50));
  EXPECT_TRUE(r.ok()) << r;
}

// ---------------------------------------------------------------------------------------
// Virtual time.

TEST(Explore, SleepIsVirtual) {
  auto real_start = std::chrono::steady_clock::now();
  auto r = weft::explore([] {
    auto t0 = weft::Clock::now();
    weft::check(t0.time_since_epoch() == weft::Duration::zero(), "the clock starts at zero");
    weft::sleep(std::chrono::hours(1));
    weft::check(weft::Clock::now() - t0 == std::chrono::hours(1), "exactly one hour passed");
    weft::sleep(std::chrono::hours(-1));  // non-positive: only yields
    weft::check(weft::Clock::now() - t0 == std::chrono::hours(1), "no time for a negative sleep");
  }, opts(20));
  EXPECT_TRUE(r.ok()) << r;
  // 20 virtual hours; generously less than a minute of real time even under sanitizers.
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, std::chrono::minutes(1));
}

TEST(Explore, SleepersWakeInDeadlineOrder) {
  auto r = weft::explore([] {
    std::vector<int> order;
    auto done = weft::make_chan<int>(3);
    weft::go([&order, done] { weft::sleep(3s); order.push_back(3); done.send(0); });
    weft::go([&order, done] { weft::sleep(1s); order.push_back(1); done.send(0); });
    weft::go([&order, done] { weft::sleep(2s); order.push_back(2); done.send(0); });
    for (int i = 0; i < 3; ++i) done.recv();
    weft::check(order == std::vector<int>{1, 2, 3}, "earliest deadline first");
    weft::check(weft::Clock::now().time_since_epoch() == 3s, "clock at the last deadline");
  }, opts(100));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Explore, EqualDeadlinesFireInEitherOrder) {
  std::set<std::vector<int>> orders;
  auto r = weft::explore([&] {
    std::vector<int> order;
    auto done = weft::make_chan<int>(2);
    weft::go([&order, done] { weft::sleep(5ms); order.push_back(1); done.send(0); });
    weft::go([&order, done] { weft::sleep(5ms); order.push_back(2); done.send(0); });
    done.recv();
    done.recv();
    weft::check(weft::Clock::now().time_since_epoch() == 5ms, "both woke at 5ms");
    orders.insert(order);
  }, opts(200));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(orders, (std::set<std::vector<int>>{{1, 2}, {2, 1}}));
}

TEST(Explore, ClockStandsStillWhileGoroutinesRun) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] {
      for (int i = 0; i < 100; ++i) weft::yield();
      c.send(1);
    });
    c.recv();
    weft::check(weft::Clock::now().time_since_epoch() == weft::Duration::zero(),
                "no timer was pending, so no time passed");
  }, opts(20));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Explore, SleepingMainWithBlockedGoroutineIsNotADeadlockUntilTimersRunOut) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] {
      weft::sleep(10s);
      c.send(1);
    });
    c.recv();  // blocked, but a timer is pending: time jumps instead of a deadlock
  }, opts(20));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace explore_test
