// What happens to a failing schedule before it is reported (runtime/src/shrink.hpp): the
// nondeterminism check replays it, the shrinker cuts its preemptions and steps within the
// replay budget, and the shrunk token replays to the same failure. Also the statistics every
// exploration ends with.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "depth_kernels.hpp"
#include "test_support.hpp"
#include "weft/weft.hpp"

namespace shrink_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::StrategyKind;

using weft_test::opts;  // test_support.hpp

// Depth 2 with noise: two bystanders that take turns on their own mutex add preemptions a
// random walk makes and the bug does not need.
void with_bystanders() {
  weft::Mutex m;
  int shared = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int b = 0; b < 2; ++b)
    weft::go([&] {
      for (int i = 0; i < 4; ++i) {
        m.lock();
        ++shared;
        m.unlock();
      }
      wg.done();
    });
  weft_test::between_writes(3);
  wg.wait();
}

// Replays `token` as if at `where`: the test's explore() call that recorded it (a token of an
// exploration with no name replays only there).
weft::ExploreResult replay(const std::function<void()>& body, const std::string& token,
                           std::source_location where = std::source_location::current()) {
  weft::ExploreOptions o = opts(StrategyKind::replay, 1);
  o.replay = token;
  o.detect_races = false;
  return weft::explore(body, o, where);
}

// Checks what a shrunk failure must satisfy (found by an explore() in the caller); returns
// its preemptions.
std::uint64_t expect_shrunk_well(const std::function<void()>& body, const weft::ExploreResult& r,
                                 unsigned budget,
                                 std::source_location where = std::source_location::current()) {
  EXPECT_TRUE(r.check.replayed);
  EXPECT_TRUE(r.check.deterministic()) << r.check.nondeterminism;
  EXPECT_LE(r.check.replays, budget);
  EXPECT_LE(r.check.preemptions_after, r.check.preemptions_before);
  if (r.check.shrunk) {
    EXPECT_NE(r.check.original_token, r.token);
    EXPECT_NE(r.to_string().find("shrunk: "), std::string::npos) << r;
  }
  // The reported token replays strictly to the same failure, byte for byte.
  auto again = replay(body, r.token, where);
  EXPECT_FALSE(again.ok());
  if (!again.ok()) {
    EXPECT_EQ(again.failure->kind, r.failure->kind);
    EXPECT_EQ(again.failure->report, r.failure->report);
  }
  return r.check.preemptions_after;
}

TEST(Shrink, ADepthTwoBugShrinksToOnePreemptionWithinTheBudget) {
  int found = 0, cut = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    weft::ExploreOptions o = opts(StrategyKind::random, 20'000, seed);
    o.detect_races = false;  // the assertion is the failure
    auto r = weft::explore(with_bystanders, o);
    if (r.ok()) continue;
    ++found;
    ASSERT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
    EXPECT_LE(expect_shrunk_well(with_bystanders, r, 50), 1u) << "seed " << seed << "\n" << r;
    cut += r.check.preemptions_before > r.check.preemptions_after;
  }
  EXPECT_GE(found, 3) << "the random walk finds the bug for most seeds";
  EXPECT_GE(cut, 1) << "the random walk's schedules carry preemptions the bug does not need";
}

// A depth-3 bug needs two preemptions. PCT's failing schedules carry more (it preempts main
// so the writer runs before the reader exists), and dropping deviations alone stopped at
// four: each of those preemptions was what let another happen. Candidates now preempt where
// the run did even when the goroutine it switched to cannot run there, and pairs of the
// preemptions left are tried.
TEST(Shrink, ADepthThreeBugShrinksToTwoPreemptionsWithinTheBudget) {
  for (StrategyKind kind : {StrategyKind::pct, StrategyKind::random}) {
    int found = 0;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      weft::ExploreOptions o = opts(kind, 10'000, seed);
      o.detect_races = false;  // the assertion is the failure
      auto r = weft::explore(weft_test::flag_before_value, o);
      if (r.ok()) continue;
      ++found;
      ASSERT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
      EXPECT_LE(expect_shrunk_well(weft_test::flag_before_value, r, 50), 2u)
          << "seed " << seed << "\n" << r;
    }
    EXPECT_GE(found, 4) << "the strategy finds the bug for most seeds";
  }
}

TEST(Shrink, ARaceNeedsNoPreemptionOnceShrunk) {
  auto body = [] {
    int x = 0;
    weft::Mutex m;
    weft::WaitGroup wg;
    wg.add(2);
    weft::go([&] {
      for (int i = 0; i < 3; ++i) {
        m.lock();
        m.unlock();
      }
      weft::race::write(&x, sizeof x);
      wg.done();
    });
    weft::go([&] {
      m.lock();
      m.unlock();
      weft::race::write(&x, sizeof x);
      wg.done();
    });
    wg.wait();
  };
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    auto r = weft::explore(body, opts(StrategyKind::random, 100, seed));
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
    EXPECT_TRUE(r.check.deterministic()) << r.check.nondeterminism;
    EXPECT_EQ(r.check.preemptions_after, 0u) << r;
    weft::ExploreOptions o = opts(StrategyKind::replay, 1);
    o.replay = r.token;
    auto again = weft::explore(body, o);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.failure->report, r.failure->report);
  }
}

TEST(Shrink, TheBudgetBoundsTheReplays) {
  for (unsigned budget : {0u, 1u, 2u, 5u}) {
    weft::ExploreOptions o = opts(StrategyKind::random, 20'000, 2);
    o.detect_races = false;
    o.minimize_replays = budget;
    auto r = weft::explore(with_bystanders, o);
    ASSERT_FALSE(r.ok());
    EXPECT_LE(r.check.replays, budget) << r;
    if (budget < 2) {
      EXPECT_FALSE(r.check.shrunk) << "no room for a candidate and its check";
    }
    expect_shrunk_well(with_bystanders, r, budget);
  }
}

TEST(Shrink, OffReportsTheScheduleAsFound) {
  weft::ExploreOptions o = opts(StrategyKind::random, 20'000, 2);
  o.detect_races = false;
  o.minimize_replays = 0;
  o.check_determinism = false;
  auto r = weft::explore(with_bystanders, o);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.check.replayed);
  EXPECT_FALSE(r.check.shrunk);
  o.minimize_replays = 50;
  auto shrunk = weft::explore(with_bystanders, o);
  EXPECT_EQ(shrunk.iteration, r.iteration) << "shrinking does not change what was explored";
  if (shrunk.check.shrunk) {
    EXPECT_EQ(shrunk.check.original_token, r.token);
  }
}

// ---------------------------------------------------------------------------------------
// Nondeterminism.

TEST(Nondeterminism, StateKeptAcrossIterationsIsReported) {
  static int runs;
  runs = 0;
  auto body = [] {
    int n = ++runs;
    auto done = weft::make_chan<int>();
    weft::go([done] { done.send(1); });
    done.recv();
    weft::check(n != 1, "only the first run fails");  // after the same choices in every run
  };
  auto r = weft::explore(body, opts(StrategyKind::random, 10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.iteration, 0u);
  EXPECT_TRUE(r.check.replayed);
  EXPECT_FALSE(r.check.deterministic());
  EXPECT_FALSE(r.check.shrunk);
  EXPECT_NE(r.check.nondeterminism.find("ran to the end without failing"), std::string::npos)
      << r.check.nondeterminism;
  EXPECT_NE(r.check.nondeterminism.find("state the earlier runs left behind"), std::string::npos)
      << r.check.nondeterminism;
  EXPECT_NE(r.to_string().find("not reproducible: "), std::string::npos) << r;
  auto j = nlohmann::json::parse(r.to_json());
  EXPECT_FALSE(j["failure"]["check"]["deterministic"].get<bool>());
}

TEST(Nondeterminism, TheReportSaysWhereTheRunsParted) {
  static int runs;
  runs = 0;
  auto body = [] {
    int n = ++runs;
    weft::WaitGroup wg;
    const int workers = n % 2 == 1 ? 3 : 2;  // one goroutine more on odd runs
    wg.add(workers);
    for (int i = 0; i < workers; ++i) weft::go([&] { weft::yield(); wg.done(); });
    wg.wait();
    weft::check(n % 2 == 0, "odd runs fail");
  };
  auto r = weft::explore(body, opts(StrategyKind::random, 10));
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.check.deterministic());
  EXPECT_NE(r.check.nondeterminism.find("parted at choice"), std::string::npos)
      << r.check.nondeterminism;
  const std::string& why = r.check.nondeterminism;
  const auto first = why.find("could run");
  ASSERT_NE(first, std::string::npos) << why;
  EXPECT_NE(why.find("could run", first + 1), std::string::npos)
      << "says what could run in each run: " << why;
}

TEST(Nondeterminism, ADeterministicFailureIsNotFlagged) {
  auto r = weft::explore([] { weft_test::between_writes(2); }, [] {
    weft::ExploreOptions o = opts(StrategyKind::random, 5000);
    o.detect_races = false;
    return o;
  }());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.check.replayed);
  EXPECT_TRUE(r.check.deterministic()) << r.check.nondeterminism;
  EXPECT_EQ(r.to_string().find("not reproducible"), std::string::npos);
}

TEST(Nondeterminism, CanBeTurnedOff) {
  static int runs;
  runs = 0;
  auto body = [] { weft::check(++runs != 1, "only the first run fails"); };
  weft::ExploreOptions o = opts(StrategyKind::random, 10);
  o.check_determinism = false;
  auto r = weft::explore(body, o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.check.deterministic());
}

// ---------------------------------------------------------------------------------------
// The environment and replays.

struct EnvVar {
  const char* name;
  EnvVar(const char* n, const char* v) : name(n) { ::setenv(n, v, 1); }
  ~EnvVar() { ::unsetenv(name); }
};

TEST(ShrinkEnvironment, VariablesSetTheOptionsAndBadValuesAreNamed) {
  weft::ExploreOptions o;
  {
    EnvVar a("WEFT_MINIMIZE_REPLAYS", "7");
    EnvVar b("WEFT_CHECK_DETERMINISM", "0");
    weft::apply_environment(o);
  }
  EXPECT_EQ(o.minimize_replays, 7u);
  EXPECT_FALSE(o.check_determinism);
  for (auto [var, value] : {std::pair{"WEFT_MINIMIZE_REPLAYS", "many"},
                            std::pair{"WEFT_CHECK_DETERMINISM", "yes"},
                            std::pair{"WEFT_MINIMIZE", "not-a-token"}}) {
    EnvVar e(var, value);
    weft::ExploreOptions bad = opts(StrategyKind::random, 1);
    bad.use_environment = true;
    auto r = weft::explore([] {}, bad);
    ASSERT_FALSE(r.ok()) << var;
    EXPECT_EQ(r.failure->kind, weft::FailureKind::configuration);
    EXPECT_NE(r.failure->report.find(var), std::string::npos) << r.failure->report;
  }
}

TEST(ShrinkEnvironment, WeftMinimizeReplaysATokenAndShrinksIt) {
  weft::ExploreOptions o = opts(StrategyKind::random, 20'000, 2);
  o.detect_races = false;
  o.minimize_replays = 0;
  o.check_determinism = false;
  auto found = weft::explore(with_bystanders, o);
  ASSERT_FALSE(found.ok());
  // A plain replay reports the schedule as it ran.
  auto plain = replay(with_bystanders, found.token);
  ASSERT_FALSE(plain.ok());
  EXPECT_FALSE(plain.check.replayed);
  EXPECT_EQ(plain.token, found.token);
  // WEFT_MINIMIZE=<token> shrinks it.
  EnvVar e("WEFT_MINIMIZE", found.token.c_str());
  weft::ExploreOptions m = opts(StrategyKind::random, 1);
  m.use_environment = true;
  m.detect_races = false;
  auto shrunk = weft::explore(with_bystanders, m);
  ASSERT_FALSE(shrunk.ok());
  EXPECT_EQ(shrunk.strategy, StrategyKind::replay);
  EXPECT_TRUE(shrunk.check.replayed);
  EXPECT_LE(expect_shrunk_well(with_bystanders, shrunk, 50), 1u) << shrunk;
}

// ---------------------------------------------------------------------------------------
// Statistics.

TEST(ExploreStats, CountIterationsSchedulesGoroutinesAndStrategies) {
  auto three = [] {  // main and two goroutines alive at once
    weft::WaitGroup wg;
    wg.add(2);
    weft::go([&] { wg.done(); });
    weft::go([&] { wg.done(); });
    wg.wait();
  };
  // Exhaustive search never runs a schedule twice.
  auto dfs = weft::explore(three, opts(StrategyKind::dfs, 10'000));
  ASSERT_TRUE(dfs.ok()) << dfs;
  EXPECT_TRUE(dfs.exhausted);
  EXPECT_EQ(dfs.distinct_schedules, dfs.iterations);
  EXPECT_GT(dfs.iterations, 1u);
  EXPECT_EQ(dfs.peak_goroutines, 3u);
  EXPECT_NE(dfs.stats_line().find("every schedule with \u2264 2 preemptions ran"),
            std::string::npos)
      << dfs.stats_line();
  // A program without choices has one schedule however often it runs.
  auto alone = weft::explore([] { weft::yield(); }, opts(StrategyKind::random, 25));
  EXPECT_EQ(alone.iterations, 25u);
  EXPECT_EQ(alone.distinct_schedules, 1u);
  EXPECT_EQ(alone.peak_goroutines, 1u);
  ASSERT_EQ(alone.per_strategy.size(), 1u);
  EXPECT_EQ(alone.per_strategy[0].name, "random");
  EXPECT_EQ(alone.per_strategy[0].iterations, 25u);
  // The portfolio's members, each with its share of iterations and failures.
  weft::ExploreOptions o = opts(StrategyKind::portfolio, 40);
  o.keep_going = true;
  o.minimize_replays = 0;
  o.check_determinism = false;  // no replays: each run is an explored iteration
  static int runs;
  runs = 0;
  auto r = weft::explore([] { weft::check(++runs % 4 != 2, "every fourth run from the 2nd"); },
                         o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.per_strategy.size(), 4u);
  EXPECT_EQ(r.per_strategy[0].name, "urw");
  EXPECT_EQ(r.per_strategy[1].name, "pos");
  EXPECT_EQ(r.per_strategy[2].name, "pct:3");
  EXPECT_EQ(r.per_strategy[3].name, "surw");
  for (const auto& s : r.per_strategy) EXPECT_EQ(s.iterations, 10u) << s.name;
  EXPECT_EQ(r.per_strategy[1].failures, 10u) << "iterations 1, 5, 9, ... are pos's";
  EXPECT_EQ(r.per_strategy[0].failures + r.per_strategy[2].failures + r.per_strategy[3].failures,
            0u);
  EXPECT_NE(r.stats_line().find("per strategy: urw 10 (0 failed), pos 10 (10 failed), pct:3 10 "
                                "(0 failed), surw 10 (0 failed)"),
            std::string::npos)
      << r.stats_line();
  // Decisions per second, and the JSON.
  auto timed = weft::explore(three, opts(StrategyKind::random, 50));
  EXPECT_GT(timed.decisions, 0u);
  EXPECT_GT(timed.seconds, 0.0);
  EXPECT_GT(timed.decisions_per_second(), 0.0);
  auto j = nlohmann::json::parse(timed.to_json());
  EXPECT_EQ(j["stats"]["distinct_schedules"].get<std::uint64_t>(), timed.distinct_schedules);
  EXPECT_EQ(j["stats"]["peak_goroutines"].get<std::uint64_t>(), 3u);
  EXPECT_EQ(j["stats"]["per_strategy"][0]["iterations"].get<std::uint64_t>(), 50u);
  EXPECT_TRUE(j["stats"].contains("decisions_per_second"));
  EXPECT_LE(timed.distinct_schedules, timed.iterations);
  EXPECT_NE(timed.to_string().find(timed.stats_line()), std::string::npos);
}

}  // namespace

}  // namespace shrink_test
