// race_fast_path_test.cpp — the inline access path (weft/detail/access.hpp): with the race
// detector alone observing accesses (schedule_accesses off), an access that repeats one of
// the running goroutine's current epoch ends inline. These check the cases where it must
// not: another goroutine running, a new epoch after a release, freed and reused memory —
// and that the accesses it answers are still counted. The detector's side of the view is
// tested in tests/detector_engine/same_epoch_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "weft/instr.hpp"
#include "weft/weft.hpp"

namespace race_fast_path_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions direct(std::uint64_t iterations) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  o.schedule_accesses = false;  // the detector alone observes accesses: the inline path
  return o;
}

TEST(RaceFastPath, RepeatsAnsweredInlineAreCounted) {
  std::uint64_t counted = 0;
  auto r = weft::explore(
      [&] {
        std::uint64_t x = 0;
        weft::race::write(&x, sizeof x);
        const std::uint64_t before = weft::race::stats().accesses;
        for (int i = 0; i < 100; ++i) weft::race::read(&x, sizeof x);
        for (int i = 0; i < 50; ++i) weft::race::write(&x, sizeof x);
        counted = weft::race::stats().accesses - before;
      },
      direct(1));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(counted, 150u);
}

// main's repeated writes bind the view to main; the worker's write, between or after them,
// must still be checked, and races with them whichever runs first.
TEST(RaceFastPath, AnotherGoroutinesAccessIsCheckedAfterASwitch) {
  auto r = weft::explore(
      [] {
        std::uint64_t x = 0;
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          weft::race::write(&x, sizeof x);
          wg.done();
        });
        for (int i = 0; i < 10; ++i) weft::race::write(&x, sizeof x);
        wg.wait();
      },
      direct(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
}

// The same through weft-instrument's hooks, which share the inline path.
TEST(RaceFastPath, InstrumentedAccessesOfAnotherGoroutineAreChecked) {
  static const weft::instr::Site kRead{"fast_path.cpp", "reader", 1, 1};
  static const weft::instr::Site kWrite{"fast_path.cpp", "writer", 2, 1};
  auto r = weft::explore(
      [] {
        std::uint64_t x = 0, sum = 0;
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          weft::instr::write(x, kWrite) = 7;
          wg.done();
        });
        for (int i = 0; i < 10; ++i) sum += weft::instr::read(x, kRead);
        wg.wait();
        EXPECT_LE(sum, 70u);
      },
      direct(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
}

// main writes x `under_lock` times under the lock, unlocks (a new epoch) and, if asked,
// writes it once more outside the lock; the sleeper (which wakes only once main has blocked,
// so the order is fixed) reads x under the lock.
void writes_then_locked_read(int under_lock, bool write_after_unlock) {
  weft::Mutex mu;
  weft::WaitGroup wg;
  std::uint64_t x = 0;
  wg.add(1);
  weft::go([&] {
    weft::sleep(std::chrono::seconds(1));
    mu.lock();
    weft::race::read(&x, sizeof x);
    mu.unlock();
    wg.done();
  });
  mu.lock();
  for (int i = 0; i < under_lock; ++i) weft::race::write(&x, sizeof x);
  mu.unlock();
  if (write_after_unlock) weft::race::write(&x, sizeof x);
  wg.wait();
}

// The reader knows main's first write, not the second: a race in every schedule, missed if
// the second write were taken for a repeat of the first.
TEST(RaceFastPath, AWriteAfterAnUnlockIsNotARepeatOfTheOneBefore) {
  auto r = weft::explore([] { writes_then_locked_read(1, true); }, direct(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  EXPECT_EQ(r.iterations, 1u) << "the race is in every schedule";
}

// Without the second write the same program is clean: the writes happen before the read.
TEST(RaceFastPath, WritesBeforeAnUnlockAreKnownToTheNextLocker) {
  auto r = weft::explore([] { writes_then_locked_read(3, false); }, direct(5));
  EXPECT_TRUE(r.ok()) << r;
}

// Two goroutines allocate, write and free blocks concurrently; the allocator hands the same
// addresses back and forth. A free forgets the block's accesses, so a goroutine's repeated
// writes to its own block never race with the previous owner's.
TEST(RaceFastPath, FreedAndReusedMemoryIsNoRace) {
  auto r = weft::explore(
      [] {
        weft::WaitGroup wg;
        auto churn = [] {
          for (int i = 0; i < 20; ++i) {
            auto* p = new std::uint64_t(0);
            for (int k = 0; k < 3; ++k) {
              weft::race::write(p, sizeof *p);
              *p += 1;
            }
            delete p;
            weft::yield();
          }
        };
        wg.add(1);
        weft::go([&] {
          churn();
          wg.done();
        });
        churn();
        wg.wait();
      },
      direct(20));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace race_fast_path_test
