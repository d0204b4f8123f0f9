// thread_local variables and errno under weft::explore, where every std::thread is a
// goroutine on one OS thread (weft/instr_local.hpp, runtime/src/std_local.cpp, the errno
// save and restore in runtime/src/controlled.cpp). Each use of a thread_local goes through
// weft::instr::goroutine_local exactly as weft-instrument's rewrite of `x` does.
// tests/instrument/local/ runs the same through the tool.
//
// What could go wrong, each a test: two threads' counters mixed (one copy shared), a copy
// that does not start from the variable's initial value, a copy not destroyed when its
// thread ends (or destroyed twice, or leaked when the iteration is torn down), a copy kept
// for the next goroutine that reuses the record; errno clobbered across a switch by another
// thread, or a new thread starting with another thread's errno.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "weft/instr_local.hpp"
#include "weft/weft.hpp"

namespace std_local_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::instr::goroutine_local;

weft::ExploreOptions opts(std::uint64_t iterations = 200, std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  return o;
}

thread_local int counter = 100;  // the initial value each thread's copy starts from

void count_to(int n) {
  for (int i = 0; i < n; ++i) {
    ++goroutine_local(counter);
    std::this_thread::yield();  // let the others run in between
  }
  weft::check(goroutine_local(counter) == 100 + n, "a thread saw another thread's increments");
}

TEST(StdLocal, EachThreadHasItsOwnCopy) {
  auto r = weft::explore(
      [] {
        std::thread a([] { count_to(3); });
        std::thread b([] { count_to(5); });
        count_to(2);
        a.join();
        b.join();
        weft::check(goroutine_local(counter) == 102, "main's copy changed by the threads");
      },
      opts(300));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(counter, 100) << "the OS thread's own copy was changed under the run";
}

// The negative control: the same program on the variable itself (as without weft-instrument)
// mixes the threads' counts, and exploration finds it.
TEST(StdLocal, WithoutTheAccessorThreadsShareOneCopy) {
  auto r = weft::explore(
      [] {
        counter = 100;
        std::thread a([] {
          for (int i = 0; i < 3; ++i) {
            ++counter;
            std::this_thread::yield();
          }
          weft::check(counter == 103, "a thread saw another thread's increments");
        });
        for (int i = 0; i < 2; ++i) {
          ++counter;
          std::this_thread::yield();
        }
        a.join();
      },
      opts(50));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  counter = 100;
}

struct Tracked {
  static inline int alive = 0;
  static inline int destroyed = 0;
  int value = 7;
  Tracked() { ++alive; }
  Tracked(const Tracked& o) : value(o.value) { ++alive; }
  ~Tracked() {
    --alive;
    ++destroyed;
  }
};
thread_local Tracked tracked;

TEST(StdLocal, CopiesAreDestroyedWhenTheirThreadEnds) {
  tracked.value = 7;  // the OS thread's own object, made on its first use
  const int before = Tracked::alive;
  int inside = -1;
  auto r = weft::explore(
      [&] {
        Tracked::destroyed = 0;
        std::thread a([] { goroutine_local(tracked).value = 1; });
        a.join();
        // a's copy is gone once a has ended; main has made none yet.
        inside = Tracked::alive;
        weft::check(Tracked::destroyed == 1, "the ended thread's copy was not destroyed");
        weft::check(goroutine_local(tracked).value == 7, "main's copy did not start fresh");
      },
      opts(20));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(inside, before);
  EXPECT_EQ(Tracked::alive, before) << "copies left after the run";
}

TEST(StdLocal, CopiesOfThreadsKilledAtTeardownAreDestroyed) {
  tracked.value = 7;
  const int before = Tracked::alive;
  auto r = weft::explore(
      [] {
        weft::Chan<int> never = weft::make_chan<int>();
        weft::go([never]() mutable {
          goroutine_local(tracked).value = 2;
          never.recv();  // still blocked when main returns: killed at teardown
        });
        weft::yield();
      },
      opts(10));
  // The blocked goroutine is a leak report or not, depending on the options; either way its
  // copy must not outlive the iteration.
  (void)r;
  EXPECT_EQ(Tracked::alive, before);
}

TEST(StdLocal, OutsideARunTheAccessorIsTheVariable) {
  EXPECT_EQ(&goroutine_local(counter), &counter);
}

// ---- errno ----------------------------------------------------------------------------------

void keep_errno(int mine) {
  errno = mine;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::yield();
    weft::check(errno == mine, "errno changed by another thread across a switch");
  }
}

TEST(StdErrno, EachThreadKeepsItsErrnoAcrossSwitches) {
  auto r = weft::explore(
      [] {
        std::thread a([] { keep_errno(EDOM); });
        std::thread b([] { keep_errno(ERANGE); });
        keep_errno(EINVAL);
        a.join();
        b.join();
      },
      opts(300));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(StdErrno, ANewThreadStartsWithZero) {
  auto r = weft::explore(
      [] {
        errno = EINTR;
        int seen = -1;
        std::thread a([&] { seen = errno; });
        a.join();
        weft::check(seen == 0, "a new thread inherited errno");
      },
      opts(50));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace std_local_test
