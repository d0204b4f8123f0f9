// Conformance: weft::Atomic (Go's sync/atomic): the operations and their results for
// integers, bool and pointers; every operation is a scheduling point under weft::explore,
// so a load-then-store lost update is found while read-modify-writes never lose one; the
// memory-model edge "a store happens before a load that observes it"; and plain
// std::atomic behaviour outside a weft run.
#include <gtest/gtest.h>

#include <source_location>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "recorder.hpp"
#include "test_support.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace atomic_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft_test::Point;
using weft_test::Recorder;

using weft_test::expect_ok;
using weft_test::opts;

// The integer operations, as a check list usable inside and outside a weft run.
template <class Check>
void int_operations(Check check) {
  weft::Atomic<int> a;
  check(a.load() == 0, "default is zero");
  a.store(5);
  check(a.load() == 5, "store/load");
  check(a.exchange(7) == 5 && a.load() == 7, "exchange returns the old value");
  int expected = 7;
  check(a.compare_exchange(expected, 9) && a.load() == 9 && expected == 7, "CAS succeeds");
  expected = 1;
  check(!a.compare_exchange(expected, 100), "CAS fails on a mismatch");
  check(expected == 9 && a.load() == 9, "a failed CAS reports the current value");
  check(a.fetch_add(3) == 9 && a.load() == 12, "fetch_add returns the old value");
  check(a.fetch_sub(2) == 12 && a.load() == 10, "fetch_sub");
  check(a.fetch_and(0b0110) == 10 && a.load() == 0b0010, "fetch_and");
  check(a.fetch_or(0b1001) == 0b0010 && a.load() == 0b1011, "fetch_or");
  check(a.add(4) == 15 && a.load() == 15, "Go's Add returns the new value");
  check(a.add(-20) == -5, "Add of a negative delta");
  weft::Atomic<std::uint8_t> u{250};
  check(u.add(10) == 4, "unsigned wrap-around");
  weft::Atomic<std::int64_t> big{std::int64_t{1} << 40};
  check(big.fetch_add(1) == (std::int64_t{1} << 40), "64-bit");
}

template <class Check>
void bool_and_pointer_operations(Check check) {
  weft::Atomic<bool> b;
  check(!b.load(), "default false");
  b.store(true);
  check(b.load(), "store");
  check(b.exchange(false) && !b.load(), "exchange");
  bool e = true;
  check(!b.compare_exchange(e, true) && e == false, "failed CAS on bool updates expected");
  check(b.compare_exchange(e, true) && b.load(), "CAS on bool");

  int arr[4] = {10, 20, 30, 40};
  weft::Atomic<int*> p;
  check(p.load() == nullptr, "default null");
  p.store(&arr[0]);
  check(p.load() == &arr[0], "pointer store/load");
  check(p.fetch_add(2) == &arr[0] && *p.load() == 30, "pointer arithmetic in elements");
  check(p.exchange(&arr[1]) == &arr[2], "pointer exchange");
  int* want = &arr[3];
  check(!p.compare_exchange(want, nullptr) && want == &arr[1], "failed pointer CAS");
  check(p.compare_exchange(want, &arr[3]) && *p.load() == 40, "pointer CAS");
}

void weft_check(bool c, const char* what) { weft::check(c, what); }

TEST(Atomic, IntegerOperations) {
  expect_ok([] { int_operations(weft_check); }, 3);
}

TEST(Atomic, BoolAndPointerOperations) {
  expect_ok([] { bool_and_pointer_operations(weft_check); }, 3);
}

TEST(Atomic, WorksOutsideAWeftRunLikeStdAtomic) {
  int_operations([](bool c, const char* what) { EXPECT_TRUE(c) << what; });
  bool_and_pointer_operations([](bool c, const char* what) { EXPECT_TRUE(c) << what; });
  weft::Atomic<long> n{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) n.fetch_add(1);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(n.load(), 40'000);
}

TEST(Atomic, LoadThenStoreLosesAnUpdateUnderExploration) {
  // Each operation is a scheduling point, so the explorer interleaves the two goroutines'
  // load and store and finds the lost update.
  auto r = weft::explore([] {
    weft::Atomic<int> x{0};
    weft::WaitGroup wg;
    wg.add(2);
    for (int i = 0; i < 2; ++i)
      weft::go([&] {
        int v = x.load();
        x.store(v + 1);
        wg.done();
      });
    wg.wait();
    weft::check(x.load() == 2, "lost update");
  }, opts(500));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion);
  EXPECT_EQ(r.failure->report.rfind("assertion failed: lost update\n", 0), 0u)
      << r.failure->report;
}

TEST(Atomic, ReadModifyWritesNeverLoseAnUpdate) {
  expect_ok([] {
    weft::Atomic<int> added{0}, cas{0}, swapped{0};
    weft::WaitGroup wg;
    std::set<int> olds;
    for (int i = 0; i < 3; ++i) {
      wg.add(1);
      weft::go([&] {
        for (int k = 0; k < 3; ++k) {
          olds.insert(added.fetch_add(1));
          int cur = cas.load();
          while (!cas.compare_exchange(cur, cur + 1)) {
          }
          swapped.add(1);
        }
        wg.done();
      });
    }
    wg.wait();
    weft::check(added.load() == 9 && cas.load() == 9 && swapped.load() == 9, "no lost update");
    weft::check(olds.size() == 9, "every fetch_add saw a distinct old value");
  }, 500);
}

TEST(Atomic, OperationsAreSchedulingPoints) {
  // Between two loads of the same goroutine another goroutine's store can land: some
  // schedule observes both values.
  std::set<std::pair<int, int>> seen;
  expect_ok([&] {
    weft::Atomic<int> x{0};
    auto done = weft::make_chan<int>(1);
    weft::go([&, done] {
      x.store(1);
      done.send(0);
    });
    int a = x.load();
    int b = x.load();
    weft::check(a <= b, "a store is never undone");
    seen.insert({a, b});
    done.recv();
  });
  EXPECT_EQ(seen, (std::set<std::pair<int, int>>{{0, 0}, {0, 1}, {1, 1}}));
}

TEST(Atomic, FlagPublishesPlainData) {
  expect_ok([] {
    weft::Atomic<bool> ready{false};
    int data = 0;
    auto done = weft::make_chan<int>(1);
    weft::go([&, done] {
      data = 42;
      ready.store(true);
      done.send(0);
    });
    while (!ready.load()) weft::yield();
    weft::check(data == 42, "published before the flag");
    done.recv();
  });
}

// ---------------------------------------------------------------------------------------
// Happens-before: a store happens before a load that observes it.

TEST(AtomicHappensBefore, StoreBeforeTheLoadThatObservesIt) {
  Recorder rec;
  std::set<int> observed;
  auto o = opts(300);
  o.sinks = {&rec};
  auto r = weft::explore([&] {
    weft::Atomic<int> x{0};
    std::optional<Point> before_store, after_store;
    auto done = weft::make_chan<int>(1);
    weft::go([&, done] {
      before_store = rec.now(weft::goid());
      x.store(1);
      after_store = rec.now(weft::goid());
      done.send(0);
    });
    int v = x.load();
    Point after_load = rec.now(weft::goid());
    observed.insert(v);
    if (v == 1) {
      weft::check(Recorder::happens_before(*before_store, after_load),
                  "the store happens before the load that observed it");
    } else if (before_store) {
      weft::check(!Recorder::happens_before(*before_store, after_load),
                  "a load that did not observe the store is not ordered after it");
    }
    if (after_store)
      weft::check(!Recorder::happens_before(*after_store, after_load),
                  "what follows the store is not ordered before the load");
    done.recv();
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse);
  EXPECT_EQ(observed, (std::set<int>{0, 1}));
}

TEST(AtomicHappensBefore, ReadModifyWritesChain) {
  // fetch_add both acquires and releases: the goroutine whose fetch_add saw the other's
  // increment is ordered after it.
  Recorder rec;
  auto o = opts(300);
  o.sinks = {&rec};
  auto r = weft::explore([&] {
    weft::Atomic<int> x{0};
    std::optional<Point> before[2], after[2];
    int old[2] = {-1, -1};
    weft::WaitGroup wg;
    for (int i = 0; i < 2; ++i) {
      wg.add(1);
      weft::go([&, i] {
        before[i] = rec.now(weft::goid());
        old[i] = x.fetch_add(1);
        after[i] = rec.now(weft::goid());
        wg.done();
      });
    }
    wg.wait();
    int first = old[0] == 0 ? 0 : 1, second = 1 - first;
    weft::check(old[second] == 1, "second saw the first");
    weft::check(Recorder::happens_before(*before[first], *after[second]), "RMW chain");
    weft::check(!Recorder::happens_before(*before[second], *after[first]), "not backwards");
  }, o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse);
}

}  // namespace

}  // namespace atomic_test
