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

#if defined(__SANITIZE_THREAD__)
#define WEFT_ACCESS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_ACCESS_TSAN 1
#endif
#endif

// The lock-free reads of the detector's state (see AccessView::repeats) are left out of
// ThreadSanitizer's checks when weft itself is built with it.
#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN_UNCHECKED __attribute__((no_sanitize("thread")))
#else
#define WEFT_TSAN_UNCHECKED
#endif

namespace weft::instr::detail {
// Defined in weft/instr.hpp: the running goroutine, while accesses are observed.
extern thread_local constinit void* active;
// Reads `active` on the calling OS thread. A goroutine under weft::run may resume on
// another thread after any call that parks. Normally each read here is one %fs-relative
// load, made afresh; but under ThreadSanitizer every access goes through the variable's
// address, computed from a thread pointer that GCC keeps across calls, so code that parked
// in between (a loop of accesses and channel operations) read the first thread's slot while
// that thread's processor wrote it (TSan's report). There the read is a call (runtime.cpp).
#ifdef WEFT_ACCESS_TSAN
void* active_here() noexcept;
#else
inline void* active_here() noexcept { return active; }
#endif
}  // namespace weft::instr::detail

namespace weft::detail {

// True while a weft::run with race detection is in progress: then accesses on threads that
// run no goroutine (instr::detail::active null: the program's own threads, weft::blocking's
// function on its worker) are recorded too, under the thread's detector identity (the
// goroutine whose blocking call it runs, or the thread's own). Written by the run, read
// with a relaxed load (a stale value only misses or adds an access at the run's edges).
extern constinit bool outside_observed_flag;
inline bool outside_observed() noexcept {
  return __builtin_expect(__atomic_load_n(&outside_observed_flag, __ATOMIC_RELAXED), 0);
}

// The detector's det::SameEpochView and det::CellArenaView (weft/detector/same_epoch.hpp,
// which says what the fields mean and which invariants the detector keeps), seen from here.
// Instrumented code is compiled with weft's runtime headers only, so these mirror the
// detector's types rather than include them; runtime/src/race.hpp checks that every field,
// offset and constant agrees.
struct AccessView {
  static constexpr unsigned kPageShift = 9;
  static constexpr unsigned kWays = 1024;
  static constexpr std::uint32_t kSoleWrite = std::uint32_t{1} << 31;
  static constexpr unsigned kChunkShift = 13;
  static constexpr std::size_t kCellBytes = 64;
  struct Way {
    std::uintptr_t key;
    const std::uint64_t* words;  // a granule's word: epoch tag (low half), cell index (high)
  };
  struct Cells {
    const void* const* chunks;
  };
  // Whose view it is: written by the detector under its lock, also from another processor's
  // thread (a goroutine ending there unbinds the view it last had); read here without the
  // lock, with a relaxed atomic load (owner_now): a stale value only sends the access to the
  // detector.
  const void* owner;
  const void* owner_now() const noexcept { return __atomic_load_n(&owner, __ATOMIC_RELAXED); }
  std::uint32_t tag;
  std::uint64_t hits;
  Cells cells;
  Way ways[kWays];

  // det::SameEpochView::repeats. Under weft::run it reads shadow words that the detector writes
  // under its lock on other threads (a stale word only sends the access to the lock), which
  // ThreadSanitizer is not to check (the tsan preset builds weft with it).
  WEFT_TSAN_UNCHECKED bool repeats(const void* addr, std::size_t size,
                                   AccessKind kind) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    if (size - 1 > 7 - (a & 7)) return false;  // not inside one granule, or empty
    const std::uintptr_t key = a >> kPageShift;
    const Way& way = ways[key & (kWays - 1)];
    if (way.key != key) return false;
    const std::uint64_t w = way.words[(a >> 3) & ((1u << (kPageShift - 3)) - 1)];
    const auto t = static_cast<std::uint32_t>(w);
    if (kind == AccessKind::read ? (t & ~kSoleWrite) == tag : t == (tag | kSoleWrite))
      return true;
    if (const auto c = static_cast<std::uint32_t>(w >> 32)) {  // the detector will need it
      const std::uint32_t chunk_mask = (std::uint32_t{1} << kChunkShift) - 1;
      __builtin_prefetch(static_cast<const char*>(cells.chunks[c >> kChunkShift]) +
                             std::size_t{c & chunk_mask} * kCellBytes,
                         1);
    }
    return false;
  }
};

// The race detector's view of the run on this thread when it alone observes accesses, else
// null (set with the thread's scheduler, see set_current_scheduler).
extern thread_local constinit AccessView* access_view;
// Reads access_view on the calling OS thread (as instr::detail::active_here).
#ifdef WEFT_ACCESS_TSAN
AccessView* access_view_here() noexcept;
#else
inline AccessView* access_view_here() noexcept { return access_view; }
#endif

// Whether the access repeats one the running goroutine
// made in its current epoch, as the detector records it (then counted, and done).
inline bool access_repeats(const void* addr, std::size_t size, AccessKind kind) noexcept {
  AccessView* v = access_view_here();
  const void* running = instr::detail::active_here();
  if (running == nullptr || v == nullptr || v->owner_now() != running ||
      !v->repeats(addr, size, kind))
    return false;
  ++v->hits;
  return true;
}

// Whether the access is fully handled without a call: nobody observes it, or it repeats.
inline bool access_done(const void* addr, std::size_t size, AccessKind kind) noexcept {
  if (__builtin_expect(instr::detail::active_here() == nullptr, 1)) return !outside_observed();
  return access_repeats(addr, size, kind);
}

// What access_check() leaves to do.
enum class AccessLeft : std::uint8_t {
  none,   // nothing: nobody observes the access, or it repeats (then counted)
  owned,  // the view is the running goroutine's, and the access is no repeat: the detector's
          // direct entry, with no lookup (weft::race's record_owned)
  other,  // anything else (record_annotated)
};
// access_done(), saying which call the access still needs.
inline AccessLeft access_check(const void* addr, std::size_t size, AccessKind kind) noexcept {
  const void* running = instr::detail::active_here();
  if (__builtin_expect(running == nullptr, 1))
    return outside_observed() ? AccessLeft::other : AccessLeft::none;
  AccessView* v = access_view_here();
  if (v == nullptr || v->owner_now() != running) return AccessLeft::other;
  if (!v->repeats(addr, size, kind)) return AccessLeft::owned;
  ++v->hits;
  return AccessLeft::none;
}

}  // namespace weft::detail
