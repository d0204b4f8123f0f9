// The adaptive strategies, which learn from the earlier iterations of an exploration, on
// kernels of known shape.
// URW and SURW (runtime/src/strategy_surw.cpp): weighting the goroutines by their estimated
// remaining events makes every interleaving about equally likely, so a bug that needs one
// goroutine to run a long prefix alone is found where a random walk needs about 2^k tries;
// SURW chooses only where conflicting operations can be reordered.
// Choice-stream mutation (strategy_mutate.cpp): schedules that reached new coverage are
// mutated, so a bug behind several orderings in sequence is reached one ordering at a time.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "strategy.hpp"
#include "depth_kernels.hpp"
#include "test_support.hpp"
#include "weft/weft.hpp"

namespace surw_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::StrategyKind;

weft::ExploreOptions opts(StrategyKind k, std::uint64_t iterations, std::uint64_t seed = 1) {
  weft::ExploreOptions o = weft_test::opts(k, iterations, seed);
  o.detect_races = false;  // the strategy must reach the assertion itself
  return o;
}

using weft_test::deep_prefix;

// The first failing iteration (1-based), or 0.
std::uint64_t first_failure(void (*body)(int), int k, const weft::ExploreOptions& o) {
  auto r = weft::explore([&] { body(k); }, o);
  if (r.ok()) return 0;
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  return r.iteration + 1;
}

TEST(Surw, RegistryNamesBothWalks) {
  weft::ExploreOptions o;
  weft::detail::apply_strategy_spec("surw", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.strategy, StrategyKind::surw);
  weft::detail::apply_strategy_spec("urw", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.strategy, StrategyKind::urw);
  try {
    weft::detail::apply_strategy_spec("surw:2", o, "WEFT_STRATEGY");
    ADD_FAILURE() << "surw takes no parameter";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("takes no parameter"), std::string::npos) << e.what();
  }
}

TEST(Surw, FindsTheLongPrefixThatRandomWalkMisses) {
  // k = 30: a random walk's chance is about 2^-30 per iteration; the weighted walks learn
  // the writer's 30 events in the first iteration, then let it run its prefix alone with
  // probability about 2/(33 * 32) (URW). SURW also lets the writer go on while main's next
  // operation is the reader's spawn, which commutes with the writes.
  for (StrategyKind k : {StrategyKind::urw, StrategyKind::surw}) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      const std::uint64_t at = first_failure(deep_prefix, 30, opts(k, 4000, seed));
      EXPECT_GE(at, 1u) << weft::detail::strategy_text(k) << " seed " << seed;
    }
  }
  EXPECT_EQ(first_failure(deep_prefix, 30, opts(StrategyKind::random, 4000)), 0u);
}

// Two goroutines of three steps each: which of the C(6,3) = 20 interleavings ran, as the
// order of their log entries.
std::string interleaving_of(StrategyKind k, std::uint64_t iterations,
                            std::map<std::string, int>& counts) {
  std::string log;
  weft::ExploreOptions o = opts(k, iterations, 5);
  auto r = weft::explore(
      [&] {
        log.clear();
        weft::WaitGroup wg;
        wg.add(2);
        for (char name : {'a', 'b'})
          weft::go([&, name] {
            for (int i = 0; i < 3; ++i) {
              weft::yield();
              log += name;
            }
            wg.done();
          });
        wg.wait();
        ++counts[log];
      },
      o);
  EXPECT_TRUE(r.ok()) << r;
  return log;
}

TEST(Urw, SpreadsSchedulesEvenlyOverTheInterleavings) {
  // A random walk reaches "aaabbb" with probability about 1/8 (the last choices are forced
  // once one goroutine is done) and the alternating ones far more rarely; uniform sampling
  // gives each of the 20 interleavings 1/20.
  std::map<std::string, int> urw, random;
  interleaving_of(StrategyKind::urw, 2000, urw);
  interleaving_of(StrategyKind::random, 2000, random);
  ASSERT_EQ(urw.size(), 20u);
  auto spread = [](const std::map<std::string, int>& m) {
    int lo = 1 << 30, hi = 0;
    for (const auto& [k, n] : m) {
      lo = std::min(lo, n);
      hi = std::max(hi, n);
    }
    return static_cast<double>(hi) / lo;
  };
  // Each goroutine's events are more than its three log entries (its start, the yields, the
  // WaitGroup), so the log's interleavings are not exactly uniform under URW either; but far
  // more even than under a random walk.
  EXPECT_LT(spread(urw) * 2, spread(random)) << spread(urw) << " vs " << spread(random);
}

TEST(Surw, GoesOnWhereNothingConflicts) {
  // Each goroutine only locks its own mutex: their lock operations never conflict, so SURW
  // preempts only around the start and the shared WaitGroup, while URW preempts anywhere.
  auto body = [] {
    weft::Mutex m1, m2;
    weft::WaitGroup wg;
    wg.add(2);
    for (weft::Mutex* m : {&m1, &m2})
      weft::go([&wg, m] {
        for (int i = 0; i < 5; ++i) {
          m->lock();
          m->unlock();
        }
        wg.done();
      });
    wg.wait();
  };
  auto s = weft::explore(body, opts(StrategyKind::surw, 200));
  auto u = weft::explore(body, opts(StrategyKind::urw, 200));
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(u.ok()) << u;
  EXPECT_LT(s.distinct_schedules * 2, u.distinct_schedules)
      << s.distinct_schedules << " vs " << u.distinct_schedules;
}

TEST(Surw, FailingSchedulesReplayExactly) {
  for (StrategyKind k : {StrategyKind::urw, StrategyKind::surw}) {
    auto found = weft::explore([] { deep_prefix(12); }, opts(k, 2000, 3));
    ASSERT_FALSE(found.ok()) << weft::detail::strategy_text(k);
    weft::ExploreOptions rep = opts(StrategyKind::replay, 1);
    rep.replay = found.token;
    auto again = weft::explore([] { deep_prefix(12); }, rep);
    ASSERT_FALSE(again.ok()) << weft::detail::strategy_text(k);
    EXPECT_EQ(again.failure->report, found.failure->report);
  }
}

// ---------------------------------------------------------------------------------------
// Choice-stream mutation.

// A combination lock of `stages` steps: the opener's read number k must see the setter's
// write number k, for every k, so the two goroutines must alternate exactly. Each stage
// reached is a new pair of conflicting locations in a row (new coverage); a random walk must
// get all 2 * stages alternations right at once (about 4^-stages).
void combination_lock(int stages) {
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int k = 1; k <= stages; ++k) x.write(k);
    wg.done();
  });
  weft::go([&] {
    int k = 1;
    // One source line per stage, so reaching a stage is a new location.
    while (k <= stages) {
      switch (k) {
        case 1: if (x.read() != 1) k = stages + 9; break;
        case 2: if (x.read() != 2) k = stages + 9; break;
        case 3: if (x.read() != 3) k = stages + 9; break;
        case 4: if (x.read() != 4) k = stages + 9; break;
        case 5: if (x.read() != 5) k = stages + 9; break;
        case 6: if (x.read() != 6) k = stages + 9; break;
        default: k = stages + 9; break;
      }
      if (k <= stages) ++k;
    }
    weft::check(k != stages + 1, "the lock opened");
    wg.done();
  });
  wg.wait();
}

TEST(Mutate, RegistryNamesIt) {
  weft::ExploreOptions o;
  weft::detail::apply_strategy_spec("mutate", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.strategy, StrategyKind::mutate);
}

TEST(Mutate, OpensTheCombinationLockStageByStage) {
  std::uint64_t mutate_total = 0, random_total = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const std::uint64_t m = first_failure(combination_lock, 6, opts(StrategyKind::mutate, 20000, seed));
    const std::uint64_t r = first_failure(combination_lock, 6, opts(StrategyKind::random, 20000, seed));
    EXPECT_GE(m, 1u) << "seed " << seed;
    mutate_total += m ? m : 20000;
    random_total += r ? r : 20000;
  }
  RecordProperty("mutate_total", static_cast<int>(mutate_total));
  RecordProperty("random_total", static_cast<int>(random_total));
  EXPECT_LT(mutate_total * 2, random_total);
}

TEST(Mutate, FailingSchedulesReplayExactly) {
  auto found = weft::explore([] { combination_lock(4); }, opts(StrategyKind::mutate, 20000, 2));
  ASSERT_FALSE(found.ok());
  weft::ExploreOptions rep = opts(StrategyKind::replay, 1);
  rep.replay = found.token;
  auto again = weft::explore([] { combination_lock(4); }, rep);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->report, found.failure->report);
}

}  // namespace

}  // namespace surw_test
