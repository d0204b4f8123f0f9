// scale_test.cpp — many goroutines: 100,000 alive at once, 1,000,000 over a run, with memory
// (slots, clocks) following the live ones. Sizes shrink tenfold in debug and sanitizer builds.
#include "trace.hpp"

#include <gtest/gtest.h>

namespace weft::det::testing {
namespace {

constexpr GoId kScale = kShrink;

constexpr std::uintptr_t kArray = 0x100000000;  // one 8-byte element per goroutine
constexpr std::uintptr_t kGlobal = 0x10;        // read by everyone

TEST(DetectorScale, HundredThousandLiveGoroutines) {
  const GoId n = 100000 / kScale;
  Trace t;
  t.write(1, kGlobal, 10);
  for (GoId g = 2; g < n + 2; ++g) t.go(g, 1, "worker");
  EXPECT_EQ(t.d.stats().live_goroutines, n + 1);
  for (GoId g = 2; g < n + 2; ++g) {
    t.write(g, kArray + 8 * g, 20);
    t.read(g, kGlobal, 21);  // n concurrent readers of one variable
    t.d.release(g, sync_obj(0));
  }
  t.d.acquire(1, sync_obj(0));  // Wait()
  for (GoId g = 2; g < n + 2; ++g) t.read(1, kArray + 8 * g, 30);
  t.write(1, kGlobal, 31);  // after every reader
  EXPECT_EQ(t.races(), 0u);
  t.write(n + 1, kGlobal, 40);  // but a worker writing now races with main
  EXPECT_EQ(t.races(), 1u);
  for (GoId g = 2; g < n + 2; ++g) t.d.go_end(g);
  EXPECT_EQ(t.d.stats().live_goroutines, 1u);
}

TEST(DetectorScale, MillionGoroutinesOverARunReuseSlots) {
  const GoId rounds = 1000 / kScale, per_round = 1000;
  Trace t;
  t.write(1, kGlobal, 10);
  for (GoId r = 0; r < rounds; ++r) {
    for (GoId i = 0; i < per_round; ++i) t.go(2 + i, 1, "worker");
    for (GoId i = 0; i < per_round; ++i) {
      t.update(2 + i, kArray + 8 * i, 20);
      t.read(2 + i, kGlobal, 21);
      t.d.release(2 + i, sync_obj(0));
      t.d.go_end(2 + i);
    }
    t.d.acquire(1, sync_obj(0));
    t.write(1, kGlobal + 8 * (r % 2), 30);
  }
  DetectorStats st = t.d.stats();
  EXPECT_EQ(t.races(), 0u);
  EXPECT_EQ(st.live_goroutines, 1u);
  EXPECT_LE(st.slots, per_round + 1 + 8);  // slots follow the live goroutines
  EXPECT_LE(st.goroutine_infos, per_round + 1);
}

TEST(DetectorScale, DetachedGoroutinesCostLittle) {
  // Goroutines nobody waits for keep their slot (see slots.hpp) but nothing else.
  const GoId n = 100000 / kScale;
  Trace t;
  for (GoId i = 0; i < n; ++i) {
    t.go(2, 1, "detached");
    t.write(2, kArray + 8 * i, 20);
    t.d.go_end(2);
  }
  EXPECT_EQ(t.d.stats().live_goroutines, 1u);
  EXPECT_EQ(t.d.stats().goroutine_infos, 2u);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorScale, FreshIdsDoNotAccumulateDescriptions) {
  // The runtime hands out ids monotonically: descriptions of dead goroutines that no shadow
  // state names any more are collected.
  const GoId n = 200000 / kScale;
  Trace t;
  t.go(2, 1, "first");
  t.write(2, kGlobal, 5);  // named by shadow memory for the whole run
  for (GoId g = 3; g < n + 3; ++g) {
    t.go(g, 1, "worker");
    t.write(g, kArray + 8 * (g % 64), 20);  // overwrites older workers' stamps
    t.d.release(g, sync_obj(0));
    t.d.go_end(g);
    t.d.acquire(1, sync_obj(0));
  }
  EXPECT_LT(t.d.stats().goroutine_infos, 10000u);
  t.write(1, kGlobal, 30);  // races with "first", still described correctly
  t.write(1, kArray + 8 * ((n + 2) % 64), 31);  // ordered after the last worker
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.goroutine.id, 2u);
  EXPECT_EQ(reports[0].previous.goroutine.name, "first");
  t.go(n + 10, 2, "late");  // a spawn by a goroutine that survived collections
  t.write(n + 10, kArray, 40);
  reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].current.goroutine.name, "late");
}

TEST(DetectorScale, MutexHandedAlongManyGoroutines) {
  const GoId n = 100000 / kScale;
  Trace t;
  for (GoId g = 2; g < n + 2; ++g) t.go(g, 1, "locker");
  for (GoId g = 2; g < n + 2; ++g) {
    t.d.acquire(g, sync_obj(0));  // Lock
    t.update(g, kGlobal, 20);
    t.d.release_store(g, sync_obj(0));  // Unlock
  }
  EXPECT_EQ(t.races(), 0u);
}

}  // namespace
}  // namespace weft::det::testing
