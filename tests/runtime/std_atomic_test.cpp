// std::atomic and std::atomic_flag under weft::explore (weft/instr_atomic.hpp,
// runtime/src/std_atomic.cpp). Each operation here goes through the proxy exactly as
// weft-instrument's rewrite of `a.op(...)` does (`weft::instr::atomic(a, site).op(...)`);
// plain data is shown to the detector with weft::race annotations, as an instrumented read
// or write would be. tests/instrument/e2e/programs/*atomic* run the same through the tool.
//
// What could go wrong, each a test: a broken spinlock whose critical sections overlap in some
// interleaving (found only because every atomic operation is a scheduling point), and replayed;
// plain data published with a relaxed flag (a race), and with release/acquire, acq_rel RMWs,
// seq_cst, a release sequence through relaxed RMWs and fences (no race); a relaxed store that
// ends a release sequence (a race); a plain write of an atomic racing an atomic operation; a
// spin loop that must not run into the step limit; and the values every operation returns.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "weft/instr.hpp"
#include "weft/instr_atomic.hpp"
#include "weft/weft.hpp"
#include "test_support.hpp"

namespace std_atomic_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::instr::atomic;
using weft::instr::atomic_via;

constexpr weft::instr::Site kSite{"std_atomic_test.cpp", "test", 1, 1};

weft::ExploreOptions opts(std::uint64_t iterations = 200, std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  return o;
}

using weft_test::contains;

// ---- a spinlock, right and wrong ------------------------------------------------------------

struct Spinlock {
  explicit Spinlock(bool b) : broken(b) {}
  bool broken;
  std::atomic<bool> locked{false};
  std::atomic_flag flag;

  void lock() {
    if (broken) {
      // The bug: test, then set, as two operations; another thread can pass the test between.
      while (atomic(locked, kSite).load(std::memory_order_acquire)) std::this_thread::yield();
      atomic(locked, kSite).store(true, std::memory_order_relaxed);
    } else {
      while (atomic(flag, kSite).test_and_set(std::memory_order_acquire)) {
      }
    }
  }
  void unlock() {
    if (broken)
      atomic(locked, kSite).store(false, std::memory_order_release);
    else
      atomic(flag, kSite).clear(std::memory_order_release);
  }
};

void two_threads_in_critical_sections(bool broken) {
  Spinlock lk(broken);
  int inside = 0;
  int total = 0;
  auto work = [&] {
    lk.lock();
    ++inside;
    weft::race::update(&total, sizeof total);
    ++total;
    std::this_thread::yield();
    weft::check(inside == 1, "two threads inside the spinlock");
    --inside;
    lk.unlock();
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  weft::check(total == 2, "both increments happened");
}

TEST(StdAtomic, BrokenSpinlockIsFoundAndReplays) {
  weft::ExploreOptions o = opts(500);
  auto r = weft::explore([] { two_threads_in_critical_sections(true); }, o);
  ASSERT_FALSE(r.ok()) << "the test-then-set spinlock was not found broken";
  // Either symptom of the overlap: the check, or the detector on `total` (the relaxed store
  // that took the lock publishes nothing).
  const bool found = r.failure->kind == weft::FailureKind::assertion
                         ? contains(r.failure->report, "two threads inside the spinlock")
                         : r.failure->kind == weft::FailureKind::data_race;
  EXPECT_TRUE(found) << r;
  ASSERT_FALSE(r.token.empty());
  weft::ExploreOptions replay = opts(1);
  replay.strategy = weft::StrategyKind::replay;
  replay.replay = r.token;
  auto again = weft::explore([] { two_threads_in_critical_sections(true); }, replay);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, r.failure->kind);
  EXPECT_EQ(again.failure->report, r.failure->report);
}

TEST(StdAtomic, TestAndSetSpinlockIsCorrect) {
  auto r = weft::explore([] { two_threads_in_critical_sections(false); }, opts(300));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 300u);
}

TEST(StdAtomic, SpinningOnALoadDoesNotStarveTheWriter) {
  // PCT may give the spinning reader the top priority; its repeated loads are polls, so the
  // writer still runs long before the step limit.
  weft::ExploreOptions o = opts(200);
  o.strategy = weft::StrategyKind::pct;
  o.max_steps = 2'000;
  auto r = weft::explore(
      [] {
        std::atomic<int> ready{0};
        std::thread reader([&] {
          while (atomic(ready, kSite).load(std::memory_order_acquire) == 0) {
          }
        });
        std::thread writer([&] { atomic(ready, kSite).store(1, std::memory_order_release); });
        reader.join();
        writer.join();
      },
      o);
  EXPECT_TRUE(r.ok()) << r;
}

// ---- publication of plain data --------------------------------------------------------------

enum class Publish { relaxed, release_acquire, seq_cst, acq_rel_rmw, relaxed_rmw_chain, fences,
                     relaxed_store_breaks_sequence };

void publish(Publish how) {
  int data = 0;
  std::atomic<int> flag{0};
  std::thread producer([&] {
    weft::race::write(&data, sizeof data);
    data = 42;
    switch (how) {
      case Publish::relaxed:
        atomic(flag, kSite).store(1, std::memory_order_relaxed);
        break;
      case Publish::release_acquire:
      case Publish::relaxed_rmw_chain:
      case Publish::relaxed_store_breaks_sequence:
        atomic(flag, kSite).store(1, std::memory_order_release);
        break;
      case Publish::seq_cst:
        atomic(flag, kSite) = 1;
        break;
      case Publish::acq_rel_rmw:
        atomic(flag, kSite).fetch_add(1, std::memory_order_acq_rel);
        break;
      case Publish::fences:
        weft::instr::hooked::std::atomic_thread_fence(std::memory_order_release);
        atomic(flag, kSite).store(1, std::memory_order_relaxed);
        break;
    }
  });
  std::thread middle([&] {
    // A relaxed RMW continues the release sequence; a relaxed store ends it.
    if (how == Publish::relaxed_rmw_chain) {
      int expected = 1;
      while (!atomic(flag, kSite).compare_exchange_weak(expected, 2, std::memory_order_relaxed))
        expected = 1;
    } else if (how == Publish::relaxed_store_breaks_sequence) {
      while (atomic(flag, kSite).load(std::memory_order_relaxed) != 1) {
      }
      atomic(flag, kSite).store(2, std::memory_order_relaxed);
    }
  });
  std::thread consumer([&] {
    const int want = how == Publish::relaxed_rmw_chain || how == Publish::relaxed_store_breaks_sequence ? 2 : 1;
    if (how == Publish::fences) {
      while (atomic(flag, kSite).load(std::memory_order_relaxed) != want) {
      }
      weft::instr::hooked::std::atomic_thread_fence(std::memory_order_acquire);
    } else if (how == Publish::seq_cst) {
      while (int(atomic(flag, kSite)) != want) {
      }
    } else {
      const auto mo = how == Publish::relaxed ? std::memory_order_relaxed : std::memory_order_acquire;
      while (atomic(flag, kSite).load(mo) != want) {
      }
    }
    weft::race::read(&data, sizeof data);
    weft::check(data == 42, "the published value is seen");
  });
  producer.join();
  middle.join();
  consumer.join();
}

TEST(StdAtomic, RelaxedPublicationIsARaceAndReplays) {
  auto r = weft::explore([] { publish(Publish::relaxed); }, opts(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  weft::ExploreOptions replay = opts(1);
  replay.strategy = weft::StrategyKind::replay;
  replay.replay = r.token;
  auto again = weft::explore([] { publish(Publish::relaxed); }, replay);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->report, r.failure->report);
}

TEST(StdAtomic, RelaxedStoreEndsTheReleaseSequence) {
  auto r = weft::explore([] { publish(Publish::relaxed_store_breaks_sequence); }, opts(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
}

class StdAtomicPublishes : public ::testing::TestWithParam<Publish> {};

TEST_P(StdAtomicPublishes, WithoutARace) {
  // Random walk and PCT: POS does not react to polls (Strategy::on_poll), so a goroutine
  // spinning on a compare-exchange can starve a low-priority writer there until the step
  // limit (a strategy limit, not the program's).
  for (auto strategy : {weft::StrategyKind::random, weft::StrategyKind::pct}) {
    weft::ExploreOptions o = opts(150);
    o.strategy = strategy;
    auto r = weft::explore([] { publish(GetParam()); }, o);
    EXPECT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.iterations, 150u);
  }
}

INSTANTIATE_TEST_SUITE_P(Orders, StdAtomicPublishes,
                         ::testing::Values(Publish::release_acquire, Publish::seq_cst,
                                           Publish::acq_rel_rmw, Publish::relaxed_rmw_chain,
                                           Publish::fences));

// ---- a plain access of the atomic object ---------------------------------------------------

TEST(StdAtomic, PlainWriteOfAnAtomicRacesWithAnAtomicOperation) {
  auto r = weft::explore(
      [] {
        auto* counter = new std::atomic<int>(0);
        std::thread t([&] { atomic_via(counter, kSite)->fetch_add(1); });
        // Re-initialised with a plain write while the other thread may be using it.
        weft::race::write(counter, sizeof *counter);
        new (counter) std::atomic<int>(5);
        t.join();
        delete counter;
      },
      opts(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
}

TEST(StdAtomic, AtomicOperationsNeverRaceWithEachOther) {
  auto r = weft::explore(
      [] {
        std::atomic<int> n{0};
        std::atomic<int>* p = &n;
        std::thread a([&] {
          atomic(n, kSite).fetch_add(1, std::memory_order_relaxed);
          atomic(n, kSite).store(7, std::memory_order_relaxed);
        });
        std::thread b([&] {
          (void)atomic_via(p, kSite)->load(std::memory_order_relaxed);
          atomic(n, kSite)++;
        });
        a.join();
        b.join();
      },
      opts(200));
  EXPECT_TRUE(r.ok()) << r;
}

// ---- values ---------------------------------------------------------------------------------

TEST(StdAtomic, ProxyOperationsReturnWhatStdAtomicReturns) {
  // Inside and outside a run, the same values.
  auto check_values = [] {
    std::atomic<int> a{5};
    EXPECT_EQ(atomic(a, kSite).load(), 5);
    EXPECT_EQ(atomic(a, kSite).exchange(6), 5);
    EXPECT_EQ(atomic(a, kSite).fetch_add(2), 6);
    EXPECT_EQ(atomic(a, kSite).fetch_sub(1, std::memory_order_relaxed), 8);
    EXPECT_EQ(atomic(a, kSite).fetch_or(8), 7);
    EXPECT_EQ(atomic(a, kSite).fetch_and(12), 15);
    EXPECT_EQ(atomic(a, kSite).fetch_xor(1), 12);
    EXPECT_EQ(++atomic(a, kSite), 14);
    EXPECT_EQ(atomic(a, kSite)--, 14);
    EXPECT_EQ(atomic(a, kSite) += 10, 23);
    EXPECT_EQ(atomic(a, kSite) = 3, 3);
    int v = atomic(a, kSite);
    EXPECT_EQ(v, 3);
    int expected = 4;
    EXPECT_FALSE(atomic(a, kSite).compare_exchange_strong(expected, 9));
    EXPECT_EQ(expected, 3);
    EXPECT_TRUE(atomic(a, kSite).compare_exchange_strong(expected, 9, std::memory_order_acq_rel,
                                                        std::memory_order_acquire));
    EXPECT_EQ(a.load(), 9);
    int x = 0, y = 0;
    std::atomic<int*> p{&x};
    EXPECT_EQ(atomic(p, kSite).exchange(&y), &x);
    std::atomic_flag f;
    EXPECT_EQ(weft::instr::hooked::std::atomic_fetch_add(&a, 1), 9);
    EXPECT_EQ(weft::instr::hooked::std::atomic_load_explicit(&a, std::memory_order_acquire), 10);
    EXPECT_FALSE(atomic(f, kSite).test_and_set());
    EXPECT_TRUE(atomic(f, kSite).test());
    atomic(f, kSite).clear();
    EXPECT_FALSE(f.test());
  };
  check_values();
  auto r = weft::explore(check_values, opts(3));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace std_atomic_test
