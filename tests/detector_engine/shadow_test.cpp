// shadow_test.cpp — byte-exact shadow memory: granules, mixed sizes, ranges, free, reset.
#include "trace.hpp"

#include <gtest/gtest.h>

namespace weft::det::testing {
namespace {

// Two sibling goroutines 2 and 3, concurrent with each other.
struct Siblings : Trace {
  Siblings() {
    go(2, 1, "a");
    go(3, 1, "b");
  }
};

// A first read of a granule whose only state is one write of all of it, by an epoch that
// happens before the reader, is recorded without reading the granule's state
// (Shadow::read_after_sole_write): it must be recorded exactly, as the entry a later
// conflicting write reports.
TEST(DetectorShadow, FirstReadAfterAnOrderedWholeWriteIsRecorded) {
  Trace t;
  t.write(1, kX, 10);      // main fills the granule
  t.write(1, kY, 11);
  t.go(2, 1, "reader");    // ordered after both writes
  t.go(3, 1, "writer");    // ordered after them too, concurrent with 2
  t.read(2, kX, 20);       // whole granule
  t.read(2, kY + 4, 21, 4);  // its upper half only
  EXPECT_EQ(t.races(), 0u);
  t.write(3, kX, 30);
  EXPECT_EQ(t.races(), 1u);
  t.write(3, kY, 31, 4);   // the lower half: no overlap with 2's read
  EXPECT_EQ(t.races(), 1u) << "the half 2 did not read is 3's to write";
  t.write(3, kY + 4, 32, 4);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].previous.kind, Access::read);
  EXPECT_EQ(reports[0].previous.goroutine.id, 2u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 20u);
  EXPECT_EQ(reports[0].current.stack.at(0).line, 30u);
  EXPECT_EQ(reports[1].previous.kind, Access::read);
  EXPECT_EQ(reports[1].previous.stack.at(0).line, 21u);
  EXPECT_EQ(reports[1].conflict_offset, 0u);
}

// Two halves written in one epoch at one site make one whole write (the state a single
// 8-byte write leaves): a reader ordered after it, and a concurrent writer of each half.
TEST(DetectorShadow, HalvesWrittenInOneEpochActAsAWholeWrite) {
  Trace t;
  t.write(1, kX, 10, 4);
  t.write(1, kX + 4, 10, 4);
  t.go(2, 1, "reader");
  t.go(3, 1, "writer");
  t.read(2, kX, 20, 4);
  t.read(2, kX + 4, 21, 4);
  EXPECT_EQ(t.races(), 0u);
  EXPECT_EQ(t.d.stats().split_granules, 1u) << "the reads' two halves are separate entries";
  t.write(3, kX + 4, 30, 4);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.kind, Access::read);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 21u);
  // main writes a half again in a later epoch, concurrent with 2's read of it.
  t.write(1, kX, 40, 4);
  reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 20u);
}

TEST(DetectorShadow, FirstReadAfterAnUnorderedWholeWriteRaces) {
  Trace t;
  t.go(2, 1, "writer");
  t.go(3, 1, "reader");
  t.write(2, kX, 10);
  t.read(3, kX, 20);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.kind, Access::write);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 10u);
  // The racing read was recorded too: main, ordered after neither, writes again.
  t.write(1, kX, 30);
  EXPECT_EQ(t.races(), 1u);
}

// The same after the detector's epoch tags have started over many times (a tiny tag limit):
// a granule written before a renumbering is still read exactly afterwards.
TEST(DetectorShadow, FirstReadsAfterWholeWritesAcrossTagRenumbering) {
  Detector d(DetectorOptions{.epoch_tag_limit = 6});
  d.go_start(1, 0, "main", at(1, "main"));
  for (std::uintptr_t i = 0; i < 16; ++i) {
    d.access(1, addr(kX + 8 * i), 8, Access::write, at(10));
    d.release(1, sync_obj(0));  // a new epoch, a new tag, now and then a renumbering
  }
  d.go_start(2, 1, "reader", at(2, "main"));
  d.go_start(3, 1, "other", at(3, "main"));
  for (std::uintptr_t i = 0; i < 16; ++i) d.access(2, addr(kX + 8 * i), 8, Access::read, at(20));
  EXPECT_EQ(d.report_count(), 0u);
  EXPECT_GT(d.stats().epoch_tag_generations, 2u);
  for (std::uintptr_t i = 0; i < 16; ++i) d.access(3, addr(kX + 8 * i), 8, Access::write, at(30));
  auto reports = d.take_reports();
  ASSERT_EQ(reports.size(), 1u) << "one report per pair of sites";
  EXPECT_EQ(reports[0].previous.kind, Access::read);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 20u);
  EXPECT_EQ(d.stats().races, 16u) << "every granule's read was recorded";
}

TEST(DetectorShadow, NeighbouringBytesDoNotRace) {
  Siblings t;
  for (std::uintptr_t i = 0; i < 8; i += 2) {
    t.write(2, kX + i, 10, 1);
    t.write(3, kX + i + 1, 11, 1);
  }
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorShadow, NeighbouringFieldsDoNotRace) {
  Siblings t;  // struct { int32 a; int32 b; } and struct { int16 x, y, z, w; }
  t.write(2, kX, 10, 4);
  t.write(3, kX + 4, 11, 4);
  t.write(2, kY, 12, 2);
  t.write(3, kY + 2, 13, 2);
  t.read(2, kY + 4, 14, 2);
  t.write(3, kY + 6, 15, 2);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorShadow, OverlappingSizesRace) {
  Siblings t;
  t.write(2, kX, 10, 8);
  t.write(3, kX + 8, 11, 2);  // next granule: no overlap
  EXPECT_EQ(t.races(), 0u);
  t.read(3, kX + 6, 12, 2);  // overlaps the last two bytes
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].size, 2u);
  EXPECT_EQ(reports[0].conflict_offset, 0u);
}

TEST(DetectorShadow, WideAccessOverNarrowOnes) {
  Siblings t;
  t.write(2, kX + 5, 10, 1);
  t.write(3, kX, 11, 4);  // bytes 0..3: no race
  EXPECT_EQ(t.races(), 0u);
  t.write(3, kX, 12, 8);  // covers byte 5
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].conflict_offset, 5u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 10u);
}

TEST(DetectorShadow, SixteenByteAccessSpansTwoGranules) {
  Siblings t;
  t.write(2, kX, 10, 16);
  t.read(3, kX + 15, 11, 1);
  EXPECT_EQ(t.races(), 1u);
  EXPECT_EQ(t.d.stats().granules, 2u);
}

TEST(DetectorShadow, UnalignedAccessAcrossGranules) {
  Siblings t;
  t.write(2, kX + 6, 10, 4);  // bytes 6..9
  t.write(3, kX + 10, 11, 1);
  t.write(3, kX + 5, 12, 1);
  EXPECT_EQ(t.races(), 0u);
  t.write(3, kX + 9, 13, 1);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, RangeAccessesAreExact) {
  Siblings t;  // memcpy-like: [kX+100, kX+200)
  t.write(2, kX + 100, 10, 100);
  t.read(3, kX + 200, 11, 64);  // just after: fine
  t.read(3, kX + 36, 12, 64);   // just before: fine
  EXPECT_EQ(t.races(), 0u);
  t.read(3, kX + 90, 13, 20);  // overlaps from its 11th byte
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].size, 20u);
  EXPECT_EQ(reports[0].conflict_offset, 10u);
}

TEST(DetectorShadow, UniformGranuleCostsOneEntry) {
  Siblings t;
  for (std::uintptr_t i = 0; i < 100; ++i) t.write(2, kX + 8 * i, 10, 8);
  for (std::uintptr_t i = 0; i < 100; ++i) t.write(2, kY + 8 * i, 11, 4);  // one field each
  DetectorStats st = t.d.stats();
  EXPECT_EQ(st.granules, 200u);
  EXPECT_EQ(st.split_granules, 0u);
  t.write(3, kX + 1, 12, 1);  // conflicts, and splits one granule
  EXPECT_EQ(t.d.stats().split_granules, 1u);
}

TEST(DetectorShadow, SplitGranuleFoldsBackAfterAWholeWrite) {
  Siblings t;
  t.write(2, kX, 10, 1);
  t.write(3, kX + 1, 11, 1);
  EXPECT_EQ(t.d.stats().split_granules, 1u);
  t.d.release(2, sync_obj(0));
  t.d.release(3, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  t.write(1, kX, 12, 8);
  EXPECT_EQ(t.d.stats().split_granules, 0u);
  EXPECT_EQ(t.races(), 0u);
  t.read(2, kX + 3, 13, 1);  // 2 is not ordered after main's write
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, FreeRangeForgetsAccesses) {
  Siblings t;
  t.write(2, kX, 10, 64);
  t.d.free_range(addr(kX), 64);
  EXPECT_EQ(t.d.stats().granules, 0u);
  t.write(3, kX, 11, 64);  // the memory was reused
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorShadow, FreePartOfAGranule) {
  Siblings t;
  t.write(2, kX, 10, 8);
  t.d.free_range(addr(kX), 4);
  t.write(3, kX + 2, 11, 1);
  EXPECT_EQ(t.races(), 0u);
  t.write(3, kX + 5, 12, 1);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, FreePartOfASplitGranule) {
  Siblings t;
  t.write(2, kX, 10, 1);
  t.write(2, kX + 4, 11, 4);
  t.d.free_range(addr(kX + 4), 4);
  t.write(3, kX + 4, 12, 4);
  EXPECT_EQ(t.races(), 0u);
  t.d.free_range(addr(kX), 1);
  t.d.free_range(addr(kX + 4), 4);
  EXPECT_EQ(t.d.stats().granules, 0u);
}

TEST(DetectorShadow, FreeHugeRangeWithLittleShadow) {
  Siblings t;
  t.write(2, kX, 10, 8);
  t.write(2, kY, 11, 8);
  t.write(2, 0x40000000, 12, 8);
  t.d.free_range(addr(0), std::uintptr_t{1} << 29);  // covers kX and kY only
  EXPECT_EQ(t.d.stats().granules, 1u);
  t.write(3, kX, 13);
  t.write(3, kY, 14);
  EXPECT_EQ(t.races(), 0u);
  t.write(3, 0x40000000, 15);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, DeleteIsAWriteThenAFree) {
  Siblings t;  // what the bridge does for delete: write the whole object, then free
  t.read(2, kX, 10, 8);
  t.write(3, kX, 11, 16);  // delete of a 16-byte object by 3 races with 2's read
  t.d.free_range(addr(kX), 16);
  EXPECT_EQ(t.races(), 1u);
  EXPECT_EQ(t.d.stats().granules, 0u);
}

// A delete of a block spanning more pages than the shadow holds walks the shadow's pages
// instead of the block's (Shadow::write_then_free), in address order: of several conflicts
// it reports the lowest, as a write of the block would, and it leaves nothing behind.
TEST(DetectorShadow, ADeleteLargerThanTheShadowReportsItsLowestConflict) {
  Siblings t;
  // Written by 2, in pages far apart and not in address order (the page table's order is
  // its hash's, not the addresses').
  for (const std::uintptr_t off : {700000u, 9000u, 450000u, 123456u, 1000000u, 64000u})
    t.write(2, kX + off, 10 + static_cast<std::uint32_t>(off % 7), 8);
  t.read(2, kX + 5000, 20, 4);  // the lowest: a read, which 3's delete races with too
  EXPECT_TRUE(t.d.write_then_free(3, addr(kX), 1 << 20, at(30)));
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].conflict_offset, 5000u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 20u);
  EXPECT_EQ(reports[0].previous.kind, Access::read);
  EXPECT_EQ(t.d.stats().granules, 0u);
  t.write(3, kX + 700000, 31);  // freed: nothing left to race with
  EXPECT_EQ(t.races(), 0u);
}

// Large writes to memory with no shadow are recorded lazily (a delete of a never-accessed
// block then costs nothing): the state must be the same as if they were applied at once.
TEST(DetectorShadow, LargeWriteThenAccessInsideIt) {
  Siblings t;
  t.write(2, kX, 10, 1 << 16);
  EXPECT_EQ(t.d.stats().granules, (1u << 16) / 8);
  t.read(3, kX + 40000, 11, 4);  // not ordered after the write
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 10u);
  EXPECT_EQ(reports[0].previous.kind, Access::write);
}

TEST(DetectorShadow, LargeWriteOverPartlyShadowedMemory) {
  Siblings t;
  t.read(3, kX + 5000, 10, 8);  // the only shadowed granule in the block
  t.write(2, kX + 4, 11, 10000);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].conflict_offset, 4996u);
  t.write(3, kX + 9000, 12, 1);  // in a page that was absent when the write came
  EXPECT_EQ(t.races(), 1u);
  t.write(3, kX + 10004, 13, 1);  // just after the block
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, LargeWriteThenFreeLeavesNothing) {
  Siblings t;
  t.write(2, kX + 64, 10, 8);
  t.write(3, kX, 11, 1 << 20);  // delete: write the block, then free it
  EXPECT_EQ(t.races(), 1u);
  t.d.free_range(addr(kX), 1 << 20);
  EXPECT_EQ(t.d.stats().granules, 0u);
  t.write(2, kX + 4096, 12, 8);  // reused memory
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, LargeWriteThenPartialFree) {
  Siblings t;
  t.write(2, kX, 10, 8192);
  t.d.free_range(addr(kX), 4096);  // the first half only
  EXPECT_EQ(t.d.stats().granules, 512u);
  t.write(3, kX + 100, 11, 8);
  EXPECT_EQ(t.races(), 0u);
  t.write(3, kX + 5000, 12, 8);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorShadow, ResetForgetsEverything) {
  Siblings t;
  t.write(2, kX, 10);
  t.d.lock_acquired(2, sync_obj(1), true, at(20));
  t.d.lock_acquired(2, sync_obj(2), true, at(21));
  t.write(3, kX, 11);
  ASSERT_EQ(t.races(), 1u);
  t.d.reset();
  DetectorStats st = t.d.stats();
  EXPECT_EQ(st.live_goroutines, 0u);
  EXPECT_EQ(st.granules, 0u);
  EXPECT_EQ(st.lock_edges, 0u);
  EXPECT_EQ(st.slots, 0u);
  EXPECT_EQ(t.races(), 0u);
  t.d.go_start(1, 0, "main", at(1));
  t.d.go_start(2, 1, "a", at(2));
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  t.write(1, kX, 11);
  EXPECT_EQ(t.races(), 0u);
}

}  // namespace
}  // namespace weft::det::testing
