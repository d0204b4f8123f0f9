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
//  - `owner` is cleared (nullptr) whenever the bound goroutine's epoch could change or its
//    state move: any release, spawn, go_start, go_end or reset. Acquires, lock-order events,
//    frees and call-stack events leave it (they do not change an epoch; a free resets the
//    freed granules' words below);
//  - a cache way names a page that is in the shadow, and points at that page's words; a page
//    leaves its way before it leaves the shadow;
//  - a page's word for a granule is an epoch E (with kSoleWrite when the granule's whole state
//    is E's write of all eight bytes) only while E's accesses cover the granule with no write
//    or free by anyone since; 0 otherwise.
// Epochs are packed as in the shadow (clock << 24 | slot); clocks stay below 2^39, so bit 63
// is free for kSoleWrite.
#pragma once

#include <weft/detector/report.hpp>

#include <cstddef>
#include <cstdint>

namespace weft::det {

// One 8-byte granule's entry in a shadow page: its same-epoch word (see above) and its state
// (the detector's Cell, or null), side by side, so the access that finds the word not to
// repeat has the state's address in the same cache line.
struct ShadowGranule {
  std::uint64_t same = 0;
  void* cell = nullptr;
};

struct SameEpochView {
  static constexpr unsigned kPageShift = 9;   // 512-byte pages of 64 granules
  static constexpr unsigned kWays = 1024;     // pages cached (512 KiB of memory)
  static constexpr std::uint64_t kSoleWrite = std::uint64_t{1} << 63;
  static constexpr std::uintptr_t kNoPage = ~std::uintptr_t{0};  // an empty way's key

  struct Way {
    std::uintptr_t key = kNoPage;  // address >> kPageShift
    const ShadowGranule* granules = nullptr;  // the page's 64 granules
  };

  const void* owner = nullptr;  // the goroutine the view is for; nullptr: none
  std::uint64_t epoch = 0;      // its current epoch, packed
  std::uint64_t hits = 0;       // accesses answered by callers through the view
  Way ways[kWays];

  // Whether an access by `owner`, in `epoch`, repeats one already recorded (see above).
  bool repeats(const void* addr, std::size_t size, Access kind) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    // Inside one granule (size 0 wraps around and fails too).
    if (size - 1 > 7 - (a & 7)) return false;
    const std::uintptr_t key = a >> kPageShift;
    const Way& w = ways[key & (kWays - 1)];
    if (w.key != key) return false;
    const ShadowGranule& g = w.granules[(a >> 3) & ((1u << (kPageShift - 3)) - 1)];
    if (kind == Access::read ? (g.same & ~kSoleWrite) == epoch : g.same == (epoch | kSoleWrite))
      return true;
    // The detector will need the granule's state: start loading it now (a no-op for null).
    __builtin_prefetch(g.cell, 1);
    return false;
  }
};

}  // namespace weft::det
