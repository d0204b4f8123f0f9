// slots_test.cpp — reuse of dead goroutines' clock slots: when it happens, and that it never
// creates false reports or hides true ones.
#include "slots.hpp"
#include "trace.hpp"

#include <gtest/gtest.h>

namespace weft::det::testing {
namespace {

TEST(DetectorSlots, TableContinuesClocksAcrossOccupants) {
  SlotTable t;
  VectorClock parent;
  auto a = t.allocate(&parent);
  EXPECT_EQ(a.start, 1u);
  t.release(a.slot, 5, 3);
  parent.set(a.slot, 3);  // the parent knows the epoch of the last access
  auto b = t.allocate(&parent);
  EXPECT_EQ(b.slot, a.slot);
  EXPECT_EQ(b.start, 6u);
}

TEST(DetectorSlots, TableRefusesSlotTheParentDoesNotKnow) {
  SlotTable t;
  VectorClock parent;
  auto a = t.allocate(&parent);
  t.release(a.slot, 5, 3);
  parent.set(a.slot, 2);
  auto b = t.allocate(&parent);
  EXPECT_NE(b.slot, a.slot);
  EXPECT_EQ(t.size(), 2u);
  auto root = t.allocate(nullptr);  // a root knows nothing either
  EXPECT_NE(root.slot, a.slot);
}

TEST(DetectorSlots, SlotOfAQuietGoroutineIsReusableByAnyone) {
  SlotTable t;
  auto a = t.allocate(nullptr);
  t.release(a.slot, 1, 0);  // never published anything
  auto b = t.allocate(nullptr);
  EXPECT_EQ(b.slot, a.slot);
  EXPECT_EQ(b.start, 2u);
}

TEST(DetectorSlots, ReusedAfterJoin) {
  Trace t;
  for (GoId round = 0; round < 10; ++round) {
    t.go(2, 1, "worker");
    t.write(2, kX + 8 * round, 10);
    t.d.release(2, sync_obj(0));
    t.d.go_end(2);
    t.d.acquire(1, sync_obj(0));
  }
  EXPECT_EQ(t.d.stats().slots, 2u);  // main + one worker slot, reused ten times
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorSlots, NotReusedWhenTheSpawnerDoesNotKnowTheEnd) {
  Trace t;
  t.go(2, 1);
  t.write(2, kX, 10);
  t.d.go_end(2);  // nobody synchronises with 2
  t.go(3, 1);
  EXPECT_EQ(t.d.stats().slots, 3u);
}

TEST(DetectorSlots, NoFalsePositiveAfterReuse) {
  Trace t;
  t.go(2, 1, "old");
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.go_end(2);
  t.d.acquire(1, sync_obj(0));
  t.read(1, kY, 12);
  t.go(3, 1, "new");  // takes 2's slot, with a later clock
  ASSERT_EQ(t.d.stats().slots, 2u);
  t.write(3, kX, 11);  // after the old occupant's write
  t.write(3, kY, 13);  // after main's read (before the spawn)
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorSlots, NoFalseNegativeWhenReuseWouldHideARace) {
  Trace t;
  t.go(4, 1, "reader");  // spawned before anything else: knows nothing of 2
  t.go(2, 1, "old");
  t.write(2, kX, 10);
  t.d.go_end(2);
  t.go(3, 1, "new");  // must not take 2's slot: main does not know 2's end
  t.d.release(3, sync_obj(0));
  t.d.acquire(4, sync_obj(0));
  t.read(4, kX, 11);  // races with 2's write
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.goroutine.name, "old");
}

TEST(DetectorSlots, RaceWithTheDeadOccupantIsStillFound) {
  Trace t;
  t.go(4, 1, "late");     // concurrent with everything below
  t.go(2, 1, "old");
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.go_end(2);
  t.d.acquire(1, sync_obj(0));
  t.go(3, 1, "new");  // reuses 2's slot
  t.write(3, kY, 11);
  t.write(4, kX, 12);  // races with the dead "old"
  t.write(4, kY, 13);  // races with "new"
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].previous.goroutine.name, "old");
  EXPECT_EQ(reports[1].previous.goroutine.name, "new");
}

TEST(DetectorSlots, KnowingTheNewOccupantImpliesKnowingTheOld) {
  Trace t;
  t.go(4, 1, "reader");
  t.go(2, 1, "old");
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.go_end(2);
  t.d.acquire(1, sync_obj(0));
  t.go(3, 1, "new");  // reuses the slot; 2's write happens before 3
  t.d.release(3, sync_obj(1));
  t.d.acquire(4, sync_obj(1));
  t.read(4, kX, 11);  // ordered through main and 3: no race
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorSlots, AccessAfterTheLastReleaseBlocksReuse) {
  Trace t;
  t.go(2, 1, "old");
  t.d.release(2, sync_obj(0));  // wg.Done()
  t.write(2, kX, 10);           // after it: main cannot know this write
  t.d.go_end(2);
  t.d.acquire(1, sync_obj(0));  // wg.Wait()
  t.go(3, 1, "new");
  t.write(3, kX, 11);
  EXPECT_EQ(t.races(), 1u);
}

// A producer whose values travel through channels only synchronises: nothing of it is in
// the shadow, so its slot is free for the next spawn though the spawner never hears of it
// (weft_stress's senders; 20,000 of them kept 20,000 slots and every clock that long).
TEST(DetectorSlots, SlotOfAGoroutineThatOnlySynchronisesIsReusable) {
  Trace t;
  t.go(2, 1, "producer");
  t.d.acquire(2, sync_obj(0));
  t.d.release(2, sync_obj(1));  // a send
  t.d.release(2, sync_obj(2));  // wg.Done(), which nobody but a later Wait sees
  t.d.go_end(2);
  t.go(3, 1, "next");
  EXPECT_EQ(t.d.stats().slots, 2u);
}

// Releases after the last access publish nothing the shadow remembers: a spawner that knows
// the last access may reuse the slot, and the new occupant stays ordered after that access.
TEST(DetectorSlots, ReleasesAfterTheLastAccessDoNotBlockReuse) {
  Trace t;
  t.go(4, 1, "reader");  // spawned first: knows nothing of 2 or 3
  t.go(2, 1, "old");
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));  // publishes the write's epoch
  t.d.release(2, sync_obj(1));  // a later release main never sees
  t.d.go_end(2);
  t.d.acquire(1, sync_obj(0));
  t.go(3, 1, "new");
  ASSERT_EQ(t.d.stats().slots, 3u);  // main, reader and the reused slot
  t.write(3, kX, 11);                // after 2's write: no race
  EXPECT_EQ(t.races(), 0u);
  t.d.release(3, sync_obj(2));
  t.d.acquire(4, sync_obj(2));
  t.read(4, kX, 12);  // ordered after both writes through 3
  EXPECT_EQ(t.races(), 0u);
  t.write(4, kY, 13);
  t.d.acquire(4, sync_obj(1));  // 2's late release says nothing about kY
  EXPECT_EQ(t.races(), 0u);
}

// A delete checks its write and forgets the memory at once (write_then_free): it leaves no
// epoch in the shadow, so freeing a goroutine's closure as it ends does not pin its slot,
// while the write is still checked.
TEST(DetectorSlots, AFreeAtTheEndDoesNotPinTheSlot) {
  Trace t;
  t.go(4, 1, "other");
  t.write(4, kY, 9);
  t.go(2, 1, "old");
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  EXPECT_TRUE(t.d.write_then_free(2, addr(kY), 8, at(11)));  // races with 4's write
  t.d.go_end(2);
  t.go(3, 1, "new");
  EXPECT_EQ(t.d.stats().slots, 3u);
  t.write(3, kX, 12);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorSlots, IdReuseKeepsNamesApart) {
  Trace t;
  t.go(2, 1, "first");
  t.write(2, kX, 10);
  t.d.go_end(2);
  t.go(2, 1, "second");  // same id, a different goroutine, concurrent with the first
  t.write(2, kX, 11);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].current.goroutine.name, "second");
  EXPECT_EQ(reports[0].previous.goroutine.name, "first");
  EXPECT_EQ(reports[0].previous.goroutine.id, 2u);
}

}  // namespace
}  // namespace weft::det::testing
