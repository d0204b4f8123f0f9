// Conformance: goroutines — ids, spawning, yield, misuse outside a run, and the isolation
// of explored iterations (teardown of blocked goroutines, state that outlives iterations).
#include <gtest/gtest.h>

#include <memory>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace goroutine_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 100, std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  return o;
}

// Without the replays that check and shrink a failure: tests that count what the body's
// runs constructed and destroyed count the explored iterations only.
weft::ExploreOptions opts_without_replays(std::uint64_t iterations) {
  weft::ExploreOptions o = opts(iterations);
  o.check_determinism = false;
  o.minimize_replays = 0;
  return o;
}

TEST(Goroutine, MainIsGoroutineOne) {
  int iterations = 0;
  auto r = weft::explore([&] {
    weft::check(weft::goid() == 1, "main is goroutine 1 in every iteration");
    ++iterations;
  }, opts(10));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(iterations, 10);
}

TEST(Goroutine, IdsIncrementInSpawnOrder) {
  auto r = weft::explore([] {
    auto ids = weft::make_chan<std::pair<int, weft::GoId>>(5);
    for (int k = 0; k < 5; ++k) weft::go([ids, k] { ids.send({k, weft::goid()}); });
    std::set<weft::GoId> seen;
    for (int i = 0; i < 5; ++i) {
      auto [k, id] = ids.recv();
      weft::check(id == static_cast<weft::GoId>(k) + 2, "the k-th spawn is goroutine k+2");
      seen.insert(id);
    }
    weft::check(seen.size() == 5, "distinct");
  }, opts(50));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Goroutine, NestedSpawnsGetFreshIds) {
  auto r = weft::explore([] {
    auto ids = weft::make_chan<weft::GoId>(2);
    weft::go([ids] {
      ids.send(weft::goid());
      weft::go([ids] { ids.send(weft::goid()); });
    });
    weft::GoId a = ids.recv(), b = ids.recv();
    weft::check(a == 2 && b == 3, "a grandchild is numbered after its parent");
  }, opts(20));
  EXPECT_TRUE(r.ok()) << r;
}

void add(weft::Chan<int> out, int a, std::string b) { out.send(a + static_cast<int>(b.size())); }

TEST(Goroutine, ArgumentsAreDecayCopied) {
  auto r = weft::explore([] {
    auto out = weft::make_chan<int>();
    std::string s = "four";
    int n = 10;
    weft::go(add, out, n, s);
    n = 0;       // the goroutine got its own copies at the go statement,
    s.clear();   // as Go evaluates a go statement's arguments in the calling goroutine
    weft::check(out.recv() == 14, "copies taken at spawn");
  }, opts(50));
  EXPECT_TRUE(r.ok()) << r;
}

struct Counter {
  int base = 0;
  void add_to(weft::Chan<int> out, int n) const { out.send(base + n); }
};

TEST(Goroutine, MemberFunctionsAndMoveOnlyArguments) {
  auto r = weft::explore([] {
    auto out = weft::make_chan<int>(2);
    Counter counter{100};
    weft::go(&Counter::add_to, &counter, out, 5);  // INVOKE rules, as std::thread
    auto owned = std::make_unique<int>(7);
    weft::go([](weft::Chan<int> c, std::unique_ptr<int> p) { c.send(*p); }, out, std::move(owned));
    weft::check(owned == nullptr, "a move-only argument is moved into the goroutine");
    int a = out.recv(), b = out.recv();
    weft::check(a + b == 112 && (a == 7 || a == 105), "both goroutines ran with their arguments");
  }, opts(50));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Goroutine, YieldLetsOthersRun) {
  auto r = weft::explore([] {
    bool flag = false;
    auto done = weft::make_chan<int>();
    weft::go([&flag, done] {
      while (!flag) weft::yield();  // would spin forever if yield never switched
      done.send(1);
    });
    weft::go([&flag] { flag = true; });
    done.recv();
  }, opts(100));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Goroutine, SpawnedGoroutineDoesNotRunBeforeItIsScheduled) {
  // A go statement does not wait for the goroutine: both orders of "parent continues" and
  // "child runs" occur.
  std::set<std::vector<int>> orders;
  auto r = weft::explore([&] {
    std::vector<int> order;
    auto done = weft::make_chan<int>();
    weft::go([&order, done] {
      order.push_back(2);
      done.send(0);
    });
    weft::yield();
    order.push_back(1);
    done.recv();
    orders.insert(order);
  }, opts(100));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(orders.size(), 2u);
}

TEST(Goroutine, GoOutsideExploreThrows) {
  EXPECT_THROW(weft::go([] {}), std::logic_error);
  EXPECT_THROW(weft::go_named("x", [] {}), std::logic_error);
  EXPECT_THROW(weft::goid(), std::logic_error);
  EXPECT_THROW(weft::yield(), std::logic_error);
  auto c = weft::make_chan<int>(1);  // making a channel needs no run
  EXPECT_THROW(c.send(1), std::logic_error);
  EXPECT_THROW(c.recv(), std::logic_error);
  try {
    weft::go([] {});
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("weft::explore"), std::string::npos) << e.what();
  }
}

TEST(Goroutine, ExploreInsideAGoroutineThrows) {
  int threw_in_main = 0, threw_in_child = 0;
  auto r = weft::explore([&] {
    try {
      (void)weft::explore([] {}, opts(1));
    } catch (const std::logic_error&) {
      ++threw_in_main;
    }
    auto done = weft::make_chan<int>();
    weft::go([&threw_in_child, done] {
      try {
        (void)weft::explore([] {}, opts(1));
      } catch (const std::logic_error&) {
        ++threw_in_child;
      }
      done.send(0);
    });
    done.recv();
  }, opts(5));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(threw_in_main, 5);
  EXPECT_EQ(threw_in_child, 5);
}

TEST(Goroutine, ExploreCanRunAgainAfterAFailure) {
  auto bad = weft::explore([] { weft::make_chan<int>().recv(); }, opts(1));
  ASSERT_FALSE(bad.ok());
  auto good = weft::explore([] { weft::check(weft::goid() == 1); }, opts(3));
  EXPECT_TRUE(good.ok()) << good;
}

// ---------------------------------------------------------------------------------------
// Iteration isolation.

struct Counted {
  explicit Counted(int& c, int& d) : destroyed(d) { ++c; }
  Counted(const Counted&) = delete;
  ~Counted() { ++destroyed; }
  int& destroyed;
};

// Spawns n goroutines that each hold a Counted on their stack and then block forever;
// returns once all n have constructed theirs.
void spawn_blocked_holders(int n, int& constructed, int& destroyed) {
  auto ready = weft::make_chan<int>(n);
  auto never = weft::make_chan<int>();
  for (int i = 0; i < n; ++i)
    weft::go([&constructed, &destroyed, ready, never] {
      Counted held(constructed, destroyed);
      ready.send(0);
      never.recv();
    });
  for (int i = 0; i < n; ++i) ready.recv();
  // Virtual time moves only when nothing can run: after this, every holder is blocked.
  weft::sleep(std::chrono::milliseconds(1));
}

TEST(Goroutine, BlockedGoroutinesAreUnwoundWhenAnIterationFails) {
  // The failure is in another goroutine while main is still alive (blocked), so every
  // goroutine is unwound, newest first, and main last.
  int constructed = 0, destroyed = 0;
  auto r = weft::explore([&] {
    spawn_blocked_holders(3, constructed, destroyed);
    weft::go([] { weft::check(false, "fail with three goroutines blocked"); });
    weft::make_chan<int>().recv();
  }, opts_without_replays(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(constructed, 3);
  EXPECT_EQ(destroyed, 3) << "RAII destructors of torn-down goroutines ran";
}

TEST(Goroutine, GoroutinesLeftWhenMainFailsAreAbandonedNotUnwound) {
  // Main's own locals are gone once its failure unwound it; running the others' cleanup
  // could reach them, so (as Go's exit does) they are left where they stopped.
  int constructed = 0, destroyed = 0;
  auto r = weft::explore([&] {
    spawn_blocked_holders(3, constructed, destroyed);
    weft::check(false, "main fails with three goroutines blocked");
  }, opts_without_replays(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(constructed, 3);
  EXPECT_EQ(destroyed, 0);
}

TEST(Goroutine, BlockedGoroutinesAreUnwoundAfterADeadlock) {
  int constructed = 0, destroyed = 0;
  auto r = weft::explore([&] {
    spawn_blocked_holders(4, constructed, destroyed);
    weft::make_chan<int>().recv();
  }, opts_without_replays(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  EXPECT_EQ(constructed, 4);
  EXPECT_EQ(destroyed, 4);
}

TEST(Goroutine, LeakedGoroutinesAreAbandonedAndTheirClosuresFreedInEveryIteration) {
  // After main returns, a goroutine still blocked is left where it stopped (its frame is
  // not unwound), but the closure it was started with is destroyed, with what it captured.
  int constructed = 0, destroyed = 0, captured = 0, captured_freed = 0;
  weft::ExploreOptions o = opts(25);
  o.report_leaks = false;
  auto r = weft::explore([&] {
    auto token = std::make_shared<Counted>(captured, captured_freed);
    weft::go([token] { weft::make_chan<int>().recv(); });
    token.reset();
    spawn_blocked_holders(2, constructed, destroyed);
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(constructed, 50);
  EXPECT_EQ(destroyed, 0);
  EXPECT_EQ(captured, 25);
  EXPECT_EQ(captured_freed, 25);
}

TEST(Goroutine, GoroutinesSleepingOrInSelectAreUnwound) {
  int constructed = 0, destroyed = 0;
  auto r = weft::explore([&] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>();
    weft::go([&constructed, &destroyed, a, b] {
      Counted held(constructed, destroyed);
      weft::select(weft::recv_case(a), weft::send_case(b, 1));
    });
    weft::go([&constructed, &destroyed] {
      Counted held(constructed, destroyed);
      weft::sleep(std::chrono::hours(1));
    });
    weft::sleep(std::chrono::milliseconds(1));  // both are blocked now
    weft::go([] { weft::check(false, "fail while main is alive: the others are unwound"); });
    weft::make_chan<int>().recv();
  }, opts_without_replays(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(constructed, 2);
  EXPECT_EQ(constructed, destroyed);
}

TEST(Goroutine, UnstartedGoroutinesAreDestroyedWithTheirCaptures) {
  // A goroutine that never got to run still owns its closure; teardown destroys it.
  int constructed = 0, destroyed = 0;
  auto r = weft::explore([&] {
    auto holder = std::make_shared<Counted>(constructed, destroyed);
    weft::go([holder] {});
    weft::check(false, "fail at once");
  }, opts_without_replays(30));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(constructed, 1);
  EXPECT_EQ(destroyed, 1);
}

TEST(Goroutine, ChannelsCapturedFromOutsideSurviveIterations) {
  auto carry = weft::make_chan<int>(1);  // made outside explore, shared by all iterations
  int iteration = 0;
  auto r = weft::explore([&] {
    auto prev = carry.try_recv();
    if (iteration == 0) weft::check(!prev, "empty at first");
    else weft::check(prev && *prev.value == iteration - 1, "the previous iteration's value");
    auto c = carry;
    weft::go([c, i = iteration] { c.send(i); });
    while (carry.len() == 0) weft::yield();
    ++iteration;
  }, opts(30));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(iteration, 30);
  EXPECT_EQ(carry.len(), 1u);
}

TEST(Goroutine, ChannelWithBlockedWaitersFromAFailedIterationStaysUsable) {
  // An iteration fails while a goroutine is blocked on a channel made outside explore; the
  // teardown must remove that waiter, or the next run would hand a value to a dead stack.
  auto shared = weft::make_chan<int>();
  auto first = weft::explore([&] {
    weft::go([shared] { shared.recv(); });
    weft::yield();
    weft::yield();
    weft::check(false, "fail while the receiver waits");
  }, opts(1));
  ASSERT_FALSE(first.ok());
  auto second = weft::explore([&] {
    auto got = weft::make_chan<int>(1);
    weft::go([shared, got] { got.send(shared.recv()); });
    shared.send(5);
    weft::check(got.recv() == 5, "delivered to the live receiver");
  }, opts(50));
  EXPECT_TRUE(second.ok()) << second;
}

}  // namespace

namespace {

TEST(GoroutineDeathTest, UsingMainsLocalsAfterMainReturnedIsDiagnosed) {
  // After main returns the others get a grace period (to tell a leak from a late finisher),
  // but main's locals are gone: with guard_main_stack, touching one through a reference
  // stops with an explanation (under AddressSanitizer, possibly its use-after-scope report).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        weft::ExploreOptions o;
        o.iterations = 50;
        o.use_environment = false;
        o.guard_main_stack = true;
        (void)weft::explore([] {
          int local = 0;
          weft::go([&local] {
            weft::yield();
            weft::yield();
            local = 1;
          });
        }, o);
      },
      "used the stack of the main goroutine after main returned|stack-use-after-scope|"
      "stack-use-after-return");
}

}  // namespace

namespace {

void bump(int* n) { ++*n; }

TEST(Goroutine, GoWithANamedFunctionObjectSpawnsIt) {
  // `weft::go(worker);` must be a call, not the declaration of a variable named worker.
  auto r = weft::explore([] {
    int n = 0;
    auto done = weft::make_chan<int>(2);
    auto worker = [&n, done] {
      ++n;
      done.send(0);
    };
    weft::go(worker);
    weft::go(bump, &n);
    done.recv();
    weft::sleep(std::chrono::milliseconds(1));  // let bump finish
    weft::check(n == 2, "both goroutines ran");
  }, opts(20));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace goroutine_test
