// weft/detail/access.hpp — the inline half of a recorded memory access (weft::race::read and
// friends, weft::instr's hooks). Not for users: names here may change at any time.
//
// Most recorded accesses need no call into the runtime:
//  - nobody observes them: no goroutine of a run that records accesses is running on this
//    thread (outside weft runs, under weft::run, or under weft::explore with neither race
//    detection, an event sink nor access scheduling): instr::detail::active is null;
//  - or the race detector alone observes them (Scheduler::direct_race) and the access repeats
//    one the running goroutine already made in its current epoch: the detector's
//    SameEpochView (weft/detector/same_epoch.hpp, mirrored below as AccessView) says so, for
//    that goroutine, in a few loads.
// Everything else goes to detail::record_access, out of line, which binds the view to the
// running goroutine again after the detector has seen the access.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/events.hpp"

namespace weft::instr::detail {
// Defined in weft/instr.hpp: the running goroutine, while accesses are observed.
extern thread_local constinit void* active;
}  // namespace weft::instr::detail

namespace weft::detail {

// The detector's det::SameEpochView and det::ShadowGranule (weft/detector/same_epoch.hpp,
// which says what the fields mean and which invariants the detector keeps), seen from here.
// Instrumented code is compiled with weft's runtime headers only, so these mirror the
// detector's types rather than include them; runtime/src/race.hpp checks that every field,
// offset and constant agrees.
struct AccessGranule {
  std::uint64_t same;
  void* cell;
};
struct AccessView {
  static constexpr unsigned kPageShift = 9;
  static constexpr unsigned kWays = 1024;
  static constexpr std::uint64_t kSoleWrite = std::uint64_t{1} << 63;
  struct Way {
    std::uintptr_t key;
    const AccessGranule* granules;
  };
  const void* owner;
  std::uint64_t epoch;
  std::uint64_t hits;
  Way ways[kWays];

  // det::SameEpochView::repeats.
  bool repeats(const void* addr, std::size_t size, AccessKind kind) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    if (size - 1 > 7 - (a & 7)) return false;  // not inside one granule, or empty
    const std::uintptr_t key = a >> kPageShift;
    const Way& w = ways[key & (kWays - 1)];
    if (w.key != key) return false;
    const AccessGranule& g = w.granules[(a >> 3) & ((1u << (kPageShift - 3)) - 1)];
    if (kind == AccessKind::read ? (g.same & ~kSoleWrite) == epoch
                                 : g.same == (epoch | kSoleWrite))
      return true;
    __builtin_prefetch(g.cell, 1);  // the detector will need the granule's state
    return false;
  }
};

// The race detector's view of the run on this thread when it alone observes accesses, else
// null (set with the thread's scheduler, see set_current_scheduler).
extern thread_local constinit AccessView* access_view;

// With instr::detail::active non-null: whether the access repeats one the running goroutine
// made in its current epoch, as the detector records it (then counted, and done).
inline bool access_repeats(const void* addr, std::size_t size, AccessKind kind) noexcept {
  AccessView* v = access_view;
  if (v == nullptr || v->owner != instr::detail::active || !v->repeats(addr, size, kind))
    return false;
  ++v->hits;
  return true;
}

// Whether the access is fully handled without a call: nobody observes it, or it repeats.
inline bool access_done(const void* addr, std::size_t size, AccessKind kind) noexcept {
  return __builtin_expect(instr::detail::active == nullptr, 1) || access_repeats(addr, size, kind);
}

}  // namespace weft::detail
