// Strategies: the registry and its spec syntax, the conflict test, the run queue's order,
// PCT's probabilistic guarantee on programs of known depth, POS, exhaustive search and its
// exhaustion count, the portfolio, exact replay of every strategy's failing schedule, and
// keep-going. Also: race detection and access scheduling are independent options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "run_queue.hpp"
#include "strategy.hpp"
#include "strategy_top.hpp"
#include "weft/instr.hpp"
#include "depth_kernels.hpp"
#include "test_support.hpp"
#include "weft/weft.hpp"

namespace strategy_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::StrategyKind;

using weft_test::opts;  // test_support.hpp

// ---------------------------------------------------------------------------------------
// The registry.

TEST(StrategySpec, NamesAndParametersSetTheOptions) {
  weft::ExploreOptions o;
  weft::detail::apply_strategy_spec("pct:5", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.strategy, StrategyKind::pct);
  EXPECT_EQ(o.pct_depth, 5u);
  weft::detail::apply_strategy_spec("dfs:0", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.strategy, StrategyKind::dfs);
  EXPECT_EQ(o.dfs_preemption_bound, 0u);
  weft::detail::apply_strategy_spec("pct", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.pct_depth, 5u) << "no parameter keeps the option's value";
  weft::detail::apply_strategy_spec("replay:w2-AAA", o, "WEFT_STRATEGY");
  EXPECT_EQ(o.strategy, StrategyKind::replay);
  EXPECT_EQ(o.replay, "w2-AAA");
  for (const auto& n : weft::detail::kStrategyNames) {
    if (n.kind == StrategyKind::replay) continue;
    weft::detail::apply_strategy_spec(n.name, o, "test");
    EXPECT_EQ(o.strategy, n.kind) << n.name;
    EXPECT_STREQ(weft::detail::strategy_text(n.kind), n.name);
  }
}

TEST(StrategySpec, EnvironmentChoosesTheStrategy) {
  ::setenv("WEFT_STRATEGY", "pct:2", 1);
  weft::ExploreOptions o = opts(StrategyKind::random, 3);
  o.use_environment = true;
  auto r = weft::explore([] {}, o);
  ::unsetenv("WEFT_STRATEGY");
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.strategy, StrategyKind::pct);
  EXPECT_NE(r.to_string().find("strategy pct"), std::string::npos) << r;
}

TEST(StrategySpec, ConflictTest) {
  using weft::detail::conflicts;
  using K = weft::detail::OpKind;
  int a = 0, b = 0;
  EXPECT_TRUE(conflicts(K::chan_send, &a, K::chan_recv, &a));
  EXPECT_FALSE(conflicts(K::chan_send, &a, K::chan_recv, &b));
  EXPECT_TRUE(conflicts(K::select, nullptr, K::chan_close, &b)) << "a select against any channel";
  EXPECT_FALSE(conflicts(K::select, nullptr, K::lock, &b));
  EXPECT_TRUE(conflicts(K::lock, &a, K::unlock, &a));
  EXPECT_FALSE(conflicts(K::rlock, &a, K::rlock, &a)) << "read locks commute";
  EXPECT_TRUE(conflicts(K::read, &a, K::write, &a));
  EXPECT_FALSE(conflicts(K::read, &a, K::read, &a));
  EXPECT_FALSE(conflicts(K::write, &a, K::write, &b));
  EXPECT_FALSE(conflicts(K::none, &a, K::write, &a)) << "unknown conflicts with nothing";
}

// ---------------------------------------------------------------------------------------
// The run queue: ordered by id whatever the insertion order.

TEST(RunQueue, OrderedByIdWhateverTheInsertionOrder) {
  std::vector<weft::detail::G> gs(300);
  for (std::size_t i = 0; i < gs.size(); ++i) gs[i].id = i + 1;
  weft::detail::RunQueue q;
  std::vector<std::size_t> order(gs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = (i * 97) % gs.size();  // a permutation
  std::set<weft::GoId> in;
  for (std::size_t i : order) {
    q.insert(&gs[i]);
    in.insert(gs[i].id);
    if (in.size() % 50 == 0) {  // take one from the middle now and then
      weft::detail::G* g = q.take(q.size() / 2);
      EXPECT_EQ(g->id, *std::next(in.begin(), static_cast<std::ptrdiff_t>(in.size() / 2)));
      in.erase(g->id);
    }
  }
  ASSERT_EQ(q.size(), in.size());
  std::size_t i = 0;
  for (weft::GoId id : in) {
    EXPECT_EQ(q.at(i)->id, id);
    EXPECT_EQ(q.index_of(q.at(i)), i);
    ++i;
  }
  std::vector<weft::GoId> seen;
  q.for_each([&](const weft::detail::G* g) { seen.push_back(g->id); });
  EXPECT_TRUE(std::equal(seen.begin(), seen.end(), in.begin(), in.end()));
}

TEST(RunQueue, TellsItsWatcherAndVisitsAFewAmongManyIds) {
  struct Counter final : weft::detail::RunQueueWatcher {
    std::set<weft::GoId> in;
    void queued(const weft::detail::G& g) override { EXPECT_TRUE(in.insert(g.id).second); }
    void dequeued(const weft::detail::G& g) noexcept override { EXPECT_EQ(in.erase(g.id), 1u); }
  } watcher;
  std::vector<weft::detail::G> gs(5000);
  for (std::size_t i = 0; i < gs.size(); ++i) gs[i].id = i + 1;
  weft::detail::RunQueue q;
  q.watch(&watcher);
  for (auto& g : gs) q.insert(&g);
  while (q.size() > 3) q.take(0);  // the three highest ids are left: for_each goes by at()
  EXPECT_EQ(watcher.in, (std::set<weft::GoId>{4998, 4999, 5000}));
  std::vector<weft::GoId> seen;
  q.for_each([&](const weft::detail::G* g) { seen.push_back(g->id); });
  EXPECT_EQ(seen, (std::vector<weft::GoId>{4998, 4999, 5000}));
  q.clear();
  EXPECT_TRUE(watcher.in.empty()) << "clear() tells the watcher of each goroutine it drops";
}

// The highest key among the queued goroutines, as PCT and POS find it: the same answer as a
// scan in id order (highest key, lowest id among equal keys) while the queue grows past the
// size where TopByKey builds its tree and shrinks below the size where it drops it, again
// and again, with keys changing all along.
TEST(TopByKey, AnswersAsAScanInIdOrderAcrossItsTwoModes) {
  using weft::detail::TopByKey;
  std::vector<weft::detail::G> gs(400);
  for (std::size_t i = 0; i < gs.size(); ++i) gs[i].id = i + 1;
  TopByKey top;
  std::vector<std::uint64_t> key(gs.size() + 1, 0);
  std::set<weft::GoId> queued;
  std::uint64_t x = 12345;
  auto draw = [&](std::uint64_t n) {  // a fixed linear congruential sequence
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 33) % n;
  };
  auto scan = [&]() -> const weft::detail::G* {
    const weft::detail::G* best = nullptr;
    for (weft::GoId id : queued)
      if (!best || key[id] > key[best->id]) best = &gs[id - 1];
    return best;
  };
  std::size_t most = 0, builds = 0;
  bool big = false;
  for (int round = 0; round < 6; ++round) {
    // Grow to about 3 * kScanMax (more in later rounds), then shrink to 2 queued.
    const std::size_t high = TopByKey::kScanMax * 3 + static_cast<std::size_t>(round) * 40;
    for (int phase = 0; phase < 2; ++phase) {
      while (phase == 0 ? queued.size() < high : queued.size() > 2) {
        const weft::GoId id = draw(gs.size()) + 1;
        const std::uint64_t k = draw(8);  // few distinct keys: ties are common
        if (draw(3) == 0) {
          key[id] = k;
          top.set_key(id, k);
        } else if (queued.count(id) && (phase == 1 || draw(4) == 0)) {
          top.dequeued(gs[id - 1]);
          queued.erase(id);
        } else if (!queued.count(id) && phase == 0) {
          top.queued(gs[id - 1]);
          queued.insert(id);
        }
        ASSERT_EQ(top.top(), scan()) << "round " << round << ", " << queued.size() << " queued";
        most = std::max(most, queued.size());
        if (queued.size() > TopByKey::kScanMax && !big) ++builds;
        big = queued.size() > TopByKey::kScanMax ? true : queued.size() < TopByKey::kScanMin ? false : big;
      }
    }
  }
  EXPECT_GT(most, TopByKey::kScanMax * 3);
  EXPECT_EQ(builds, 6u) << "each round crossed into the tree and back";
  top.reset();
  EXPECT_EQ(top.top(), nullptr);
}

// ---------------------------------------------------------------------------------------
// Bug kernels of known depth.

using weft_test::deep_prefix;

// The first failing iteration (1-based), or 0.
std::uint64_t first_failure(const std::function<void()>& body, weft::ExploreOptions o) {
  o.detect_races = false;  // the strategy must reach the assertion itself
  auto r = weft::explore(body, o);
  if (r.ok()) return 0;
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  return r.iteration + 1;
}

// Iterations after which a bug found with probability >= p per iteration has been missed
// with probability below 1e-4: (1 - p)^N <= e^(-pN).
std::uint64_t iterations_for(double p) { return static_cast<std::uint64_t>(std::ceil(std::log(1e4) / p)); }

TEST(Pct, FindsADepthOneBugWithinItsGuarantee) {
  // n = 3 goroutines (main, writer, reader): p >= 1/n per iteration.
  const std::uint64_t bound = iterations_for(1.0 / 3);
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    weft::ExploreOptions o = opts(StrategyKind::pct, bound, seed);
    o.pct_depth = 1;
    std::uint64_t at = first_failure([] { deep_prefix(30); }, o);
    EXPECT_GE(at, 1u) << "seed " << seed << ": not found in " << bound;
  }
}

TEST(Pct, FindsADepthTwoBugWithinItsGuarantee) {
  // n = 3, k <= 64 steps (the writer's 21 accesses and the reader's, spawns, waits; PCT's
  // first estimate of k is 64): p >= 1/(n k).
  const std::uint64_t bound = iterations_for(1.0 / (3 * 64));
  std::uint64_t worst = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    weft::ExploreOptions o = opts(StrategyKind::pct, bound, seed);
    o.pct_depth = 2;
    std::uint64_t at = first_failure([] { weft_test::between_writes(20); }, o);
    EXPECT_GE(at, 1u) << "seed " << seed << ": not found in " << bound;
    worst = std::max(worst, at);
  }
  RecordProperty("worst_iterations", static_cast<int>(worst));
}

TEST(Pct, RandomWalkMissesTheDeepPrefixThatPctFinds) {
  // The contrast the strategies exist for (depth 1, k = 30): a random walk's chance is
  // about 2^-30 per iteration.
  EXPECT_EQ(first_failure([] { deep_prefix(30); }, opts(StrategyKind::random, 2000)), 0u);
  EXPECT_GE(first_failure([] { deep_prefix(30); }, opts(StrategyKind::pct, 20)), 1u);
}

TEST(Pct, APollingGoroutineLetsTheOthersRun) {
  // The spinner may have the higher priority; without lowering it at each yield it would
  // spin to the step limit in every such iteration.
  auto body = [] {
    weft::Atomic<bool> flag{false};
    weft::WaitGroup wg;
    wg.add(2);
    weft::go([&] {
      while (!flag.load()) weft::yield();
      wg.done();
    });
    weft::go([&] {
      flag.store(true);
      wg.done();
    });
    wg.wait();
  };
  for (unsigned d : {1u, 3u}) {
    weft::ExploreOptions o = opts(StrategyKind::pct, 100);
    o.pct_depth = d;
    o.max_steps = 2000;
    auto r = weft::explore(body, o);
    EXPECT_TRUE(r.ok()) << r;
  }
}

TEST(Pos, FindsTheDeepPrefixBugAndADeadlock) {
  EXPECT_GE(first_failure([] { deep_prefix(30); }, opts(StrategyKind::pos, 200)), 1u);
  auto r = weft::explore(
      [] { weft_test::lock_inversion(0); },
      [] {
        auto o = opts(StrategyKind::pos, 200);
        o.detect_races = false;  // no lock-order report: the deadlock itself
        return o;
      }());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
}

// ---------------------------------------------------------------------------------------
// Exhaustive search.

// A synthetic program: `threads` goroutines of `steps` steps each; after a step the same
// goroutine may go on (if it has steps left) or another runs. Drives a strategy as the
// controlled scheduler does and returns the schedules it produced.
std::vector<std::vector<int>> drive(weft::detail::Strategy& s, int threads, int steps) {
  std::vector<std::vector<int>> schedules;
  for (std::uint64_t i = 0; s.begin_iteration(i); ++i) {
    std::vector<weft::detail::G> gs(static_cast<std::size_t>(threads));
    std::vector<int> left(static_cast<std::size_t>(threads), steps);
    for (int t = 0; t < threads; ++t) gs[static_cast<std::size_t>(t)].id = static_cast<weft::GoId>(t + 1);
    std::vector<int> schedule;
    int cur = -1;
    for (;;) {
      weft::detail::RunQueue q;
      for (int t = 0; t < threads; ++t)
        if (left[static_cast<std::size_t>(t)] > 0) q.insert(&gs[static_cast<std::size_t>(t)]);
      if (q.empty()) break;
      const weft::detail::G* current =
          cur >= 0 && left[static_cast<std::size_t>(cur)] > 0 ? &gs[static_cast<std::size_t>(cur)] : nullptr;
      std::size_t pick = q.size() < 2 ? 0 : s.pick_goroutine(q, current);
      cur = static_cast<int>(q.at(pick)->id - 1);
      --left[static_cast<std::size_t>(cur)];
      schedule.push_back(cur);
    }
    s.end_iteration(schedule.size());
    if (s.counts_last_iteration()) schedules.push_back(schedule);  // (sharded dfs)
    if (i > 100'000) break;
  }
  return schedules;
}

int preemptions(const std::vector<int>& schedule, int steps) {
  std::vector<int> done(8, 0);
  int n = 0;
  for (std::size_t j = 0; j < schedule.size(); ++j) {
    if (j > 0 && schedule[j] != schedule[j - 1] && done[static_cast<std::size_t>(schedule[j - 1])] < steps) ++n;
    ++done[static_cast<std::size_t>(schedule[j])];
  }
  return n;
}

// Every interleaving, by brute force, counted by preemptions.
void all_interleavings(std::vector<int>& left, std::vector<int>& prefix,
                       std::vector<std::vector<int>>& out) {
  bool any = false;
  for (std::size_t t = 0; t < left.size(); ++t) {
    if (left[t] == 0) continue;
    any = true;
    --left[t];
    prefix.push_back(static_cast<int>(t));
    all_interleavings(left, prefix, out);
    prefix.pop_back();
    ++left[t];
  }
  if (!any) out.push_back(prefix);
}

TEST(Dfs, RunsExactlyTheSchedulesWithinTheBoundOnce) {
  for (int threads : {2, 3}) {
    const int steps = 3;
    std::vector<int> left(static_cast<std::size_t>(threads), steps);
    std::vector<int> prefix;
    std::vector<std::vector<int>> every;
    all_interleavings(left, prefix, every);
    for (unsigned bound : {0u, 1u, 2u, 3u, 8u}) {
      std::set<std::vector<int>> expected;
      for (const auto& s : every)
        if (preemptions(s, steps) <= static_cast<int>(bound)) expected.insert(s);
      auto dfs = weft::detail::make_dfs_strategy(bound);
      auto ran = drive(*dfs, threads, steps);
      EXPECT_TRUE(dfs->exhausted());
      std::set<std::vector<int>> distinct(ran.begin(), ran.end());
      EXPECT_EQ(distinct.size(), ran.size()) << "a schedule ran twice";
      EXPECT_EQ(distinct, expected) << threads << " threads, bound " << bound;
    }
  }
  // The closed forms: 2 threads of 3 steps have C(6,3) = 20 interleavings; with no
  // preemption only the 2 orders of whole threads; 3 threads: 6!/(3!3!3!)... = 1680.
  std::vector<int> left{3, 3};
  std::vector<int> prefix;
  std::vector<std::vector<int>> every;
  all_interleavings(left, prefix, every);
  EXPECT_EQ(every.size(), 20u);
  auto dfs0 = weft::detail::make_dfs_strategy(0);
  EXPECT_EQ(drive(*dfs0, 2, 3).size(), 2u);
  auto dfs9 = weft::detail::make_dfs_strategy(9);
  EXPECT_EQ(drive(*dfs9, 2, 3).size(), 20u);
}

TEST(Dfs, ShardsSplitTheSearchTreeWithNoOverlapAndNoGap) {
  for (int threads : {2, 3}) {
    for (unsigned bound : {0u, 2u, 8u}) {
      auto whole = weft::detail::make_dfs_strategy(bound);
      const auto all = drive(*whole, threads, 3);
      const std::set<std::vector<int>> expected(all.begin(), all.end());
      for (std::uint64_t shards : {2u, 3u, 5u}) {
        std::multiset<std::vector<int>> counted;
        std::size_t nonempty = 0;
        for (std::uint64_t k = 0; k < shards; ++k) {
          auto part = weft::detail::make_dfs_strategy(bound, k, shards);
          const auto ran = drive(*part, threads, 3);
          EXPECT_TRUE(part->exhausted());
          counted.insert(ran.begin(), ran.end());
          nonempty += ran.empty() ? 0 : 1;
        }
        const std::set<std::vector<int>> distinct(counted.begin(), counted.end());
        EXPECT_EQ(counted.size(), distinct.size())
            << "a schedule counted by two shards: " << threads << " threads, bound " << bound
            << ", " << shards << " shards";
        EXPECT_EQ(distinct, expected)
            << threads << " threads, bound " << bound << ", " << shards << " shards";
        if (expected.size() >= 20) {
          EXPECT_GE(nonempty, 2u) << "the tree was not split";
        }
      }
    }
  }
}

TEST(Dfs, SaysWhenTheSpaceIsExhausted) {
  auto body = [] {
    weft::Mutex mu;
    int n = 0;
    weft::WaitGroup wg;
    wg.add(2);
    for (int i = 0; i < 2; ++i)
      weft::go([&] {
        mu.lock();
        ++n;
        mu.unlock();
        wg.done();
      });
    wg.wait();
    weft::check(n == 2, "both counted");
  };
  weft::ExploreOptions o = opts(StrategyKind::dfs, 100'000);
  o.dfs_preemption_bound = 2;
  auto r = weft::explore(body, o);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
  EXPECT_LT(r.iterations, 100'000u);
  EXPECT_GT(r.iterations, 2u);
  EXPECT_EQ(r.to_string().rfind("weft: explored all " + std::to_string(r.iterations) +
                                    " schedules with \u2264 2 preemptions: no bug",
                                0),
            0u)
      << r;
  // A larger bound explores a superset.
  o.dfs_preemption_bound = 3;
  auto r3 = weft::explore(body, o);
  ASSERT_TRUE(r3.exhausted);
  EXPECT_GT(r3.iterations, r.iterations);
}

TEST(Dfs, FindsTheLostUpdate) {
  auto body = [] {
    weft::Shared<int> x{0};
    weft::WaitGroup wg;
    wg.add(2);
    for (int i = 0; i < 2; ++i)
      weft::go([&] {
        x.write(x.read() + 1);
        wg.done();
      });
    wg.wait();
    weft::check(x.read() == 2, "no update lost");
  };
  weft::ExploreOptions o = opts(StrategyKind::dfs, 100'000);
  o.detect_races = false;
  o.dfs_preemption_bound = 1;
  auto r = weft::explore(body, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  EXPECT_FALSE(r.exhausted);
}

// ---------------------------------------------------------------------------------------
// Replay: every strategy's failing schedule replays exactly from its token.

TEST(StrategyReplay, EveryStrategysFailingScheduleReplaysExactly) {
  for (StrategyKind k : {StrategyKind::random, StrategyKind::pct, StrategyKind::pos,
                         StrategyKind::dfs, StrategyKind::portfolio}) {
    weft::ExploreOptions o = opts(k, 20'000, 3);
    o.detect_races = false;
    auto found = weft::explore([] { weft_test::between_writes(6); }, o);
    ASSERT_FALSE(found.ok()) << weft::detail::strategy_text(k);
    ASSERT_FALSE(found.token.empty());
    weft::ExploreOptions rep = opts(StrategyKind::replay, 1);
    rep.detect_races = false;
    rep.replay = found.token;
    auto again = weft::explore([] { weft_test::between_writes(6); }, rep);
    ASSERT_FALSE(again.ok()) << weft::detail::strategy_text(k);
    EXPECT_EQ(again.failure->kind, found.failure->kind);
    EXPECT_EQ(again.failure->report, found.failure->report) << weft::detail::strategy_text(k);
  }
}

// ---------------------------------------------------------------------------------------
// Keep going: each distinct failure once.

TEST(KeepGoing, ReportsEachDistinctFailureOnce) {
  auto body = [] {
    auto c = weft::make_chan<int>(2);
    weft::go([c] { c.send(1); });
    weft::go([c] { c.send(2); });
    int first = c.recv();
    (void)c.recv();
    if (first == 1)
      weft::check(false, "one came first");
    else
      weft::check(false, "two came first");
  };
  weft::ExploreOptions o = opts(StrategyKind::random, 200);
  o.keep_going = true;
  auto r = weft::explore(body, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.iterations, 200u) << "went on after the first failure";
  ASSERT_EQ(r.findings.size(), 2u) << r;
  EXPECT_EQ(r.findings[0].count + r.findings[1].count, 200u);
  EXPECT_EQ(r.findings[0].failure.report, r.failure->report);
  EXPECT_NE(r.findings[0].failure.report, r.findings[1].failure.report);
  const std::string text = r.to_string();
  EXPECT_NE(text.find("2 distinct failures in 200 iterations"), std::string::npos) << text;
  EXPECT_NE(text.find("one came first"), std::string::npos);
  EXPECT_NE(text.find("two came first"), std::string::npos);
  // Off: the first failure ends the run.
  o.keep_going = false;
  auto first = weft::explore(body, o);
  EXPECT_EQ(first.iterations, 1u);
  EXPECT_TRUE(first.findings.empty());
}

// ---------------------------------------------------------------------------------------
// Race detection and access scheduling are separate options.

// Two goroutines each add one to x with a separate read and write.
void lost_update() {
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  for (int i = 0; i < 2; ++i)
    weft::go([&] {
      int v = x.read();
      x.write(v + 1);
      wg.done();
    });
  wg.wait();
  weft::check(x.read() == 2, "no update lost");
}

// The same through the instrumentation ABI, as weft-instrument's output calls it.
void lost_update_instrumented() {
  static constexpr weft::instr::Site kRead{"strategy_test.cpp", "lost_update", 1, 1};
  static constexpr weft::instr::Site kWrite{"strategy_test.cpp", "lost_update", 2, 1};
  int x = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int i = 0; i < 2; ++i)
    weft::go([&] {
      int v = weft::instr::read(x, kRead);
      weft::instr::write(x, kWrite) = v + 1;
      wg.done();
    });
  wg.wait();
  weft::check(x == 2, "no update lost");
}

weft::ExploreResult run_with(void (*body)(), bool detect, bool schedule) {
  weft::ExploreOptions o = opts(StrategyKind::random, 300);
  o.detect_races = detect;
  o.schedule_accesses = schedule;
  return weft::explore(body, o);
}

TEST(AccessScheduling, IsIndependentOfRaceDetection) {
  for (auto body : {&lost_update, &lost_update_instrumented}) {
    // Detection off, scheduling on: the lost update itself is found.
    auto r = run_with(body, false, true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
    // Both off: no scheduling point between the read and the write, nothing to find.
    EXPECT_TRUE(run_with(body, false, false).ok());
    // Detection on, scheduling off: the race is still seen at the accesses.
    auto race = run_with(body, true, false);
    ASSERT_FALSE(race.ok());
    EXPECT_EQ(race.failure->kind, weft::FailureKind::data_race) << race;
  }
}

}  // namespace

}  // namespace strategy_test
