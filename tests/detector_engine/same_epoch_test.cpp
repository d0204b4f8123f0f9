// same_epoch_test.cpp — the detector's SameEpochView (weft/detector/same_epoch.hpp): when it
// answers an access inline, when it must not, and that an access it answered changes no
// verdict. (DetectorDifferential.InlineViewAgreesWithFullChecks checks the same on random
// traces against a detector that sees every access.)
#include "trace.hpp"

#include <gtest/gtest.h>

namespace weft::det {
namespace {

using testing::addr;
using testing::at;
using testing::kX;
using testing::kY;

// The runtime's token for goroutine g (its goroutine record); here any distinct pointer.
const void* token(GoId g) { return reinterpret_cast<const void*>(0x1000 + g); }

struct ViewTrace {
  Detector d;
  SameEpochView& v = *d.view();

  explicit ViewTrace(std::uint32_t tag_limit = 0)
      : d(DetectorOptions{.caller_serialises = true, .epoch_tag_limit = tag_limit}) {
    d.go_start(1, 0, "main", at(1, "main"));
    d.go_start(2, 1, "worker", at(2, "main"));
  }
  // What the runtime's hook does: the view first, then the detector, binding the view.
  // Returns whether the view answered.
  bool access(GoId g, std::uintptr_t a, std::size_t size, Access kind, std::uint32_t line) {
    if (v.owner == token(g) && v.repeats(addr(a), size, kind)) {
      ++v.hits;
      return true;
    }
    d.access_bound(g, addr(a), size, kind, at(line), token(g));
    return false;
  }
  bool repeats(GoId g, std::uintptr_t a, std::size_t size, Access kind) const {
    return v.owner == token(g) && v.repeats(addr(a), size, kind);
  }
};

TEST(SameEpochView, AnswersRepeatsOfAWholeGranuleInTheSameEpoch) {
  ViewTrace t;
  EXPECT_FALSE(t.access(2, kX, 8, Access::write, 10));
  EXPECT_EQ(t.v.owner, token(2));
  // The granule holds only this epoch's write of all its bytes: reads and writes of any of
  // them, of any size inside the granule, change nothing.
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::read));
  EXPECT_TRUE(t.repeats(2, kX + 4, 4, Access::read));
  EXPECT_TRUE(t.repeats(2, kX + 7, 1, Access::write));
  EXPECT_TRUE(t.repeats(2, kX + 2, 2, Access::update));
  // Not inside one granule, empty, another granule, another goroutine: ask the detector.
  EXPECT_FALSE(t.repeats(2, kX + 6, 4, Access::read));
  EXPECT_FALSE(t.repeats(2, kX, 16, Access::read));
  EXPECT_FALSE(t.repeats(2, kX + 3, 0, Access::read));
  EXPECT_FALSE(t.repeats(2, kX + 8, 8, Access::read));
  EXPECT_FALSE(t.repeats(1, kX, 8, Access::read));
}

// Two halves written by one epoch at one site leave the state of one whole write: its
// repeats are answered inline as a whole write's are. At two sites they stay two entries.
TEST(SameEpochView, HalvesWrittenAtOneSiteRepeatAsAWholeWrite) {
  ViewTrace t;
  t.access(2, kX, 4, Access::write, 10);
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::write));
  t.access(2, kX + 4, 4, Access::write, 10);
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::write));
  EXPECT_TRUE(t.repeats(2, kX + 2, 2, Access::read));
  t.access(2, kY, 4, Access::write, 11);
  t.access(2, kY + 4, 4, Access::write, 12);
  EXPECT_FALSE(t.repeats(2, kY, 8, Access::write));
}

TEST(SameEpochView, PartialCoverageIsNotARepeat) {
  ViewTrace t;
  t.access(2, kX, 4, Access::read, 10);
  EXPECT_FALSE(t.repeats(2, kX, 4, Access::read)) << "only whole granules are answered inline";
  t.access(2, kX + 4, 4, Access::read, 11);
  t.access(2, kX, 8, Access::read, 12);
  EXPECT_TRUE(t.repeats(2, kX, 4, Access::read));
  // All read, none written by this epoch alone: a write must be checked.
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::write));
  // A partial write of a granule: its words are reset, so nothing of it repeats inline.
  t.access(2, kX + 16, 4, Access::write, 13);
  EXPECT_FALSE(t.repeats(2, kX + 16, 4, Access::write));
  EXPECT_FALSE(t.repeats(2, kX + 16, 4, Access::read));
}

// A release ends its goroutine's epoch: the view follows it into the next one, where nothing
// it did before is a repeat. Another goroutine's release, and acquires, leave the view as it
// is; a spawn or a goroutine's end unbinds it.
TEST(SameEpochView, ReleasesMoveItSpawnsUnbindItAcquiresDoNot) {
  ViewTrace t;
  t.access(2, kX, 8, Access::write, 10);
  const std::uint32_t first = t.v.tag;
  t.d.acquire(2, testing::sync_obj(0));
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::write)) << "an acquire does not change the epoch";
  t.d.release(2, testing::sync_obj(0));
  EXPECT_EQ(t.v.owner, token(2));
  EXPECT_NE(t.v.tag, first);
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::write)) << "the write was in the epoch before";
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::read));
  EXPECT_FALSE(t.access(2, kX, 8, Access::write, 11));
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::write));
  t.d.release_store(2, testing::sync_obj(1));
  EXPECT_EQ(t.v.owner, token(2));
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::read));
  t.access(2, kX, 8, Access::write, 12);
  const std::uint32_t third = t.v.tag;
  t.d.release_store(1, testing::sync_obj(1));  // another goroutine's epoch
  EXPECT_EQ(t.v.owner, token(2));
  EXPECT_EQ(t.v.tag, third);
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::write));
  t.d.go_start(3, 2, "child", at(13));
  EXPECT_EQ(t.v.owner, nullptr);
  t.access(2, kX, 8, Access::write, 14);
  t.d.go_end(3);
  EXPECT_EQ(t.v.owner, nullptr);
}

// After a release the goroutine writes again: not a repeat of the write before the release,
// which a later acquirer knows. The acquirer's read then races with the second write.
TEST(SameEpochView, AWriteAfterAReleaseIsRecordedAndRaces) {
  ViewTrace t;
  t.access(2, kX, 8, Access::write, 10);
  t.d.release(2, testing::sync_obj(0));
  EXPECT_FALSE(t.access(2, kX, 8, Access::write, 11));
  t.d.acquire(1, testing::sync_obj(0));
  t.access(1, kX, 8, Access::read, 12);
  ASSERT_EQ(t.d.report_count(), 1u);
  EXPECT_EQ(t.d.reports()[0].previous.stack.at(0).line, 11u);
}

// Another goroutine's read of part of a granule this epoch wrote whole: the granule is no
// longer this epoch's write alone, so the next write is checked (and races with the read).
TEST(SameEpochView, AnotherGoroutinesPartialReadEndsTheSoleWrite) {
  ViewTrace t;
  t.access(2, kX, 8, Access::write, 10);
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::write));
  t.access(1, kX + 2, 2, Access::read, 11);  // concurrent: a race, reported
  ASSERT_EQ(t.d.report_count(), 1u);
  EXPECT_EQ(t.v.owner, token(1));
  // Goroutine 2 runs again: its read still repeats (the detector says so and binds the view).
  EXPECT_FALSE(t.access(2, kX + 4, 4, Access::read, 12));
  EXPECT_EQ(t.v.owner, token(2));
  EXPECT_TRUE(t.repeats(2, kX + 4, 4, Access::read));
  EXPECT_EQ(t.d.report_count(), 1u);
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::write));
  EXPECT_FALSE(t.access(2, kX, 8, Access::write, 13));
  ASSERT_EQ(t.d.report_count(), 2u);
  EXPECT_EQ(t.d.reports()[1].previous.stack.at(0).line, 11u);
}

TEST(SameEpochView, FreedMemoryIsNotARepeat) {
  ViewTrace t;
  t.access(2, kX, 8, Access::write, 10);
  t.access(2, kX + 8, 8, Access::write, 11);
  t.d.free_range(addr(kX), 8);
  EXPECT_EQ(t.v.owner, token(2)) << "a free does not change the epoch";
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::read));
  EXPECT_TRUE(t.repeats(2, kX + 8, 8, Access::read));
  // Reused by another goroutine: no report for memory freed in between.
  t.access(1, kX, 8, Access::write, 12);
  EXPECT_EQ(t.d.report_count(), 0u);
  // The whole page freed: it leaves the shadow and the view's cache.
  t.d.free_range(addr(kX), 512);
  EXPECT_FALSE(t.repeats(1, kX, 8, Access::read));
  EXPECT_FALSE(t.repeats(2, kX + 8, 8, Access::read));
}

TEST(SameEpochView, PagesSharingACacheWayEvictEachOther) {
  ViewTrace t;
  const std::uintptr_t a = kX, b = kX + SameEpochView::kWays * 512;  // the same way
  t.access(2, a, 8, Access::write, 10);
  EXPECT_TRUE(t.repeats(2, a, 8, Access::read));
  t.access(2, b, 8, Access::write, 11);
  EXPECT_TRUE(t.repeats(2, b, 8, Access::read));
  EXPECT_FALSE(t.repeats(2, a, 8, Access::read)) << "evicted: asks the detector";
  EXPECT_FALSE(t.access(2, a, 8, Access::read, 12)) << "answered by the detector";
  EXPECT_TRUE(t.repeats(2, a, 8, Access::read));
  EXPECT_EQ(t.d.report_count(), 0u);
}

TEST(SameEpochView, AnsweredAccessesAreCountedAndResetForgetsEverything) {
  ViewTrace t;
  t.access(2, kX, 8, Access::write, 10);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.access(2, kX, 8, Access::read, 11));
  EXPECT_EQ(t.d.stats().accesses, 6u);
  t.d.reset();
  EXPECT_EQ(t.v.owner, nullptr);
  EXPECT_EQ(t.v.hits, 0u);
  EXPECT_EQ(t.d.stats().accesses, 0u);
  for (const SameEpochView::Way& w : t.v.ways) EXPECT_EQ(w.key, SameEpochView::kNoPage);
}

// Epoch tags are 31-bit numbers (same_epoch.hpp); here they run out every few epochs. When
// they start over, no word keeps an old number: a later epoch that gets the same number must
// not find its access answered as a repeat of another epoch's; a live epoch keeps its
// repeats under its new number.
TEST(SameEpochView, TagsThatStartOverNeverAnswerForAnotherEpoch) {
  ViewTrace t(/*tag_limit=*/6);
  EXPECT_FALSE(t.access(2, kX, 8, Access::write, 10));
  EXPECT_FALSE(t.access(2, kX + 8, 8, Access::write, 10));
  EXPECT_TRUE(t.repeats(2, kX, 8, Access::read));
  const std::uint32_t tag2 = t.v.tag;
  // Goroutine 1 moves through epochs (releases nobody acquires) until the tags start over and
  // it holds goroutine 2's old number.
  bool reused = false;
  for (int i = 0; i < 40 && !reused; ++i) {
    t.d.release(1, testing::sync_obj(0));
    t.access(1, kX + 64, 8, Access::write, 11);  // binds the view to 1's current epoch
    reused = t.v.tag == tag2;
  }
  ASSERT_TRUE(reused) << "the test needs goroutine 1 to receive goroutine 2's old tag";
  EXPECT_GT(t.d.stats().epoch_tag_generations, 0u);
  // Goroutine 1 has never synchronised with 2: its read of kX races with 2's write. Were
  // kX's word still tagged with that number, the view would answer it as a repeat.
  EXPECT_FALSE(t.repeats(1, kX, 8, Access::read));
  EXPECT_FALSE(t.access(1, kX, 8, Access::read, 12));
  ASSERT_EQ(t.d.report_count(), 1u);
  EXPECT_EQ(t.d.reports()[0].previous.stack.at(0).line, 10u);
  // Goroutine 2 is still in the epoch of its writes, now under another number: once the view
  // is bound to it again, its word for kX + 8 answers under the new number.
  EXPECT_FALSE(t.access(2, kX + 16, 8, Access::write, 13));
  EXPECT_NE(t.v.tag, tag2);
  EXPECT_TRUE(t.repeats(2, kX + 8, 8, Access::write));
  EXPECT_TRUE(t.repeats(2, kX + 8, 8, Access::read));
  EXPECT_FALSE(t.repeats(2, kX, 8, Access::read)) << "1's read holds kX's word now";
  EXPECT_EQ(t.d.report_count(), 1u);
}

// More granules than one chunk of the cell arena (cell_arena.hpp) holds, freed and reused:
// every granule keeps its own state.
TEST(SameEpochView, CellsBeyondOneArenaChunkKeepTheirOwnState) {
  ViewTrace t;
  constexpr std::size_t kGranules = 3 * 8192 + 5;
  for (std::size_t i = 0; i < kGranules; ++i) t.access(2, kX + 8 * i, 8, Access::write, 10);
  EXPECT_EQ(t.d.stats().granules, kGranules);
  for (std::size_t i = 0; i < kGranules; i += 97)
    EXPECT_TRUE(t.repeats(2, kX + 8 * i, 8, Access::read));
  // Free the first half, let goroutine 1 write it (reusing those cells), then goroutine 2
  // reads every granule: only the second half is its own, the first half races with 1.
  t.d.free_range(addr(kX), 8 * (kGranules / 2));
  for (std::size_t i = 0; i < kGranules / 2; ++i) t.access(1, kX + 8 * i, 8, Access::write, 11);
  EXPECT_EQ(t.d.stats().granules, kGranules);
  EXPECT_EQ(t.d.report_count(), 0u);
  EXPECT_FALSE(t.access(2, kX + 8 * (kGranules / 2), 8, Access::read, 12)) << "binds the view";
  for (std::size_t i = kGranules / 2; i < kGranules; ++i)
    EXPECT_TRUE(t.access(2, kX + 8 * i, 8, Access::read, 12));
  EXPECT_EQ(t.d.report_count(), 0u);
  EXPECT_FALSE(t.access(2, kX, 8, Access::read, 13));
  ASSERT_EQ(t.d.report_count(), 1u);
  EXPECT_EQ(t.d.reports()[0].previous.stack.at(0).line, 11u);
}

// The cell arena keeps its chunks across reset() (cell_arena.hpp: the heap chunk, then 2 MiB
// slabs): cells handed out again after a reset start empty, and granules beyond the first
// slab keep their own state.
TEST(SameEpochView, CellsKeptAcrossResetStartEmpty) {
  ViewTrace t;
  constexpr std::size_t kGranules = 6 * 8192 + 5;  // the heap chunk and parts of two slabs
  for (std::size_t i = 0; i < kGranules; ++i) t.access(1, kX + 8 * i, 8, Access::write, 10);
  EXPECT_EQ(t.d.stats().granules, kGranules);
  t.d.reset();
  EXPECT_EQ(t.d.stats().granules, 0u);
  t.d.go_start(1, 0, "main", at(1, "main"));
  t.d.go_start(2, 1, "worker", at(2, "main"));
  // Goroutine 2 writes the upper half (taking the cells goroutine 1's writes had), then
  // goroutine 1, concurrent with it, reads everything: the lower half holds nothing from
  // before the reset, the upper half races with 2's writes.
  for (std::size_t i = kGranules / 2; i < kGranules; ++i)
    t.access(2, kX + 8 * i, 8, Access::write, 11);
  EXPECT_EQ(t.d.stats().granules, kGranules - kGranules / 2);
  for (std::size_t i = 0; i < kGranules / 2; ++i) t.access(1, kX + 8 * i, 8, Access::read, 12);
  EXPECT_EQ(t.d.report_count(), 0u);
  EXPECT_EQ(t.d.stats().granules, kGranules);
  EXPECT_FALSE(t.access(1, kX + 8 * (kGranules - 1), 8, Access::read, 13));
  ASSERT_EQ(t.d.report_count(), 1u);
  EXPECT_EQ(t.d.reports()[0].previous.stack.at(0).line, 11u);
}

}  // namespace
}  // namespace weft::det
