// weft::Mutex under weft::run, where an uncontended lock and unlock are one compare-and-swap
// each and contended ones queue: counts that a lost wake-up or a broken exclusion would
// change (a plain counter incremented under the mutex), and the panics of misuse.
#include <gtest/gtest.h>

#include <atomic>

#include "weft/weft.hpp"

namespace run_mutex_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::RunOptions opts(unsigned procs) {
  weft::RunOptions o;
  o.procs = procs;
  o.use_environment = false;
  return o;
}

class RunMutex : public ::testing::TestWithParam<unsigned> {};

// lock and try_lock mixed: every increment of a plain counter lands,
// and the number inside the critical section is never more than one.
TEST_P(RunMutex, LockAndTryLockExcludeAndLoseNothing) {
  constexpr int kWorkers = 6, kEach = 20000;
  long counter = 0;
  int tried = 0;
  std::atomic<int> inside{0}, overlaps{0};
  ASSERT_EQ(weft::run([&] {
              weft::Mutex mu;
              weft::WaitGroup wg;
              wg.add(kWorkers);
              for (int w = 0; w < kWorkers; ++w)
                weft::go([&, w] {
                  for (int i = 0; i < kEach; ++i) {
                    if (w % 2 == 0) {
                      mu.lock();
                    } else {
                      while (!mu.try_lock()) weft::yield();
                      ++tried;
                    }
                    if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
                    ++counter;
                    if (i % 64 == 0) weft::yield();  // hold it across a reschedule now and then
                    inside.fetch_sub(1);
                    mu.unlock();
                  }
                  wg.done();
                });
              wg.wait();
            }, opts(GetParam())),
            0);
  EXPECT_EQ(counter, long{kWorkers} * kEach);
  EXPECT_EQ(tried, (kWorkers / 2) * kEach);
  EXPECT_EQ(overlaps.load(), 0);
}

// A goroutine that finds the mutex held gets it once it is unlocked (no lost wake-up): main
// holds it while the other goroutine heads for lock(), queued or not by the unlock — either
// way it must get it, or the run deadlocks (exit 2).
TEST_P(RunMutex, UnlockWakesAQueuedLocker) {
  int got = 0;
  ASSERT_EQ(weft::run([&] {
              weft::Mutex mu;
              auto about_to_lock = weft::make_chan<weft::Unit>();
              auto done = weft::make_chan<int>();
              mu.lock();
              weft::go([&, about_to_lock, done] {
                about_to_lock.send(weft::Unit{});
                mu.lock();
                mu.unlock();
                done.send(1);
              });
              about_to_lock.recv();
              mu.unlock();
              got = done.recv();
            }, opts(GetParam())),
            0);
  EXPECT_EQ(got, 1);
}

INSTANTIATE_TEST_SUITE_P(Procs, RunMutex, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

TEST(RunMutexDeathTest, UnlockOfUnlockedMutexPanics) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          weft::Mutex mu;
          mu.lock();
          mu.unlock();
          mu.unlock();
        }, opts(2));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "panic: sync: unlock of unlocked mutex");
}

}  // namespace

}  // namespace run_mutex_test
