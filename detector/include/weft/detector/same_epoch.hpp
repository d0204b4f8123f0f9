// weft/detector/same_epoch.hpp — FastTrack's same-epoch exit as plain data, so a caller can
// answer most recorded accesses inline, without a call into the detector.
//
//   const SameEpochView* v = detector.view();
//   if (v->owner == me && v->repeats(addr, size, kind)) ++v->hits;   // nothing to record
//   else detector.access(...), detector.bind_view(id, me);           // the full check
//
// The view describes one goroutine, `owner` (a token its caller chose in bind_view(): the
// runtime uses its goroutine record), in one epoch, and a direct-mapped cache of shadow pages
// in front of the shadow's page table. repeats() is true exactly when Detector::access would
// change nothing and report nothing because the access repeats one the owner already made in
// its current epoch: a read of a granule all of whose bytes that epoch read or wrote, or a
// write of a granule whose only state is that epoch's write of all of it. Anything else
// (another page, an access across two granules, a first access) answers false: "ask the
// detector". The detector keeps the view true at all times:
//  - `owner` is cleared (nullptr) whenever the bound goroutine's state could move: any
//    go_start (a spawn), go_end or reset, and when the tags start over (below). When the
//    bound goroutine's own epoch ends (its release or release_store), `tag` becomes the new
//    epoch's, whose accesses no word names yet. Acquires, lock-order events, frees,
//    call-stack events and other goroutines' releases leave the view as it is (they do not
//    change its goroutine's epoch; a free resets the freed granules' words below);
//  - a cache way names a page that is in the shadow, and points at that page's words; a page
//    leaves its way before it leaves the shadow;
//  - a page's word for a granule holds, in its low 32 bits, an epoch tag T (with kSoleWrite
//    when the granule's whole state is T's write of all eight bytes) only while T's accesses
//    cover the granule with no write or free by anyone since; 0 otherwise. Its high 32 bits
//    are the granule's cell (its state) in the detector's cell arena, 0 for none.
// An epoch tag is a 31-bit number the detector gives each (goroutine, epoch) when the epoch
// begins (Detector::Engine::new_tag): two epochs alive at once never share one, and 0 is
// none. When the numbers run out the detector numbers the live goroutines' current epochs
// again from 1, moves their words to the new numbers and clears every other tag in the
// shadow, so no word keeps a number that a later epoch may receive.
// Tags are not the epochs the shadow's cells keep (slot, clock: 63 bits): 32 bits leave room
// for the cell index in one 8-byte word, so the same-epoch check and the way to the state
// share a cache line with seven neighbouring granules.
#pragma once

#include <weft/detector/report.hpp>

#include <cstddef>
#include <cstdint>

namespace weft::det {

// One 8-byte granule's word in a shadow page: its epoch tag (low 32 bits, see above) and its
// cell index (high 32 bits).
using ShadowWord = std::uint64_t;

// Where the detector keeps its cells: cell i is chunks[i >> kChunkShift][i & (kChunkCells-1)],
// each kCellBytes long (index 0 is never used).
struct CellArenaView {
  static constexpr unsigned kChunkShift = 13;
  static constexpr std::uint32_t kChunkCells = std::uint32_t{1} << kChunkShift;
  static constexpr std::size_t kCellBytes = 64;
  const void* const* chunks = nullptr;
  const void* cell(std::uint32_t i) const noexcept {
    return static_cast<const char*>(chunks[i >> kChunkShift]) +
           std::size_t{i & (kChunkCells - 1)} * kCellBytes;
  }
};

struct SameEpochView {
  static constexpr unsigned kPageShift = 9;   // 512-byte pages of 64 granules
  static constexpr unsigned kWays = 1024;     // pages cached (512 KiB of memory)
  static constexpr std::uint32_t kSoleWrite = std::uint32_t{1} << 31;
  static constexpr std::uintptr_t kNoPage = ~std::uintptr_t{0};  // an empty way's key

  struct Way {
    std::uintptr_t key = kNoPage;  // address >> kPageShift
    const ShadowWord* words = nullptr;  // the page's 64 granule words
  };

  const void* owner = nullptr;  // the goroutine the view is for; nullptr: none
  std::uint32_t tag = 0;        // its current epoch's tag (never 0 while owner is set)
  std::uint64_t hits = 0;       // accesses answered by callers through the view
  CellArenaView cells;          // for prefetching a granule's state
  Way ways[kWays];

  // Whether an access by `owner`, in the epoch tagged `tag`, repeats one already recorded (see above).
  bool repeats(const void* addr, std::size_t size, Access kind) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    // Inside one granule (size 0 wraps around and fails too).
    if (size - 1 > 7 - (a & 7)) return false;
    const std::uintptr_t key = a >> kPageShift;
    const Way& way = ways[key & (kWays - 1)];
    if (way.key != key) return false;
    const ShadowWord w = way.words[(a >> 3) & ((1u << (kPageShift - 3)) - 1)];
    const auto t = static_cast<std::uint32_t>(w);
    if (kind == Access::read ? (t & ~kSoleWrite) == tag : t == (tag | kSoleWrite)) return true;
    // The detector will need the granule's state: start loading it now.
    if (const auto c = static_cast<std::uint32_t>(w >> 32)) __builtin_prefetch(cells.cell(c), 1);
    return false;
  }
};

}  // namespace weft::det
