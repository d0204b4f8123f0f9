// shadow_cell.hpp — the FastTrack state of one 8-byte granule, exact to the byte.
//
// A granule's state is a small set of entries, each an access stamp, the kind of that access
// and the mask of the granule's bytes it still describes. For every byte b of the granule:
//  (1) at most one write entry (write or update) covers b: the last write of b since b was
//      last freed — so write masks are disjoint and there are at most eight write entries;
//  (2) the read entries covering b are reads of b since that write. A read may be dropped
//      from b once a later read of b happens after it: whatever does not happen after the
//      dropped read does not happen after the later one either, so no verdict changes (this is
//      FastTrack's "read epoch replaced by an ordered read", per byte);
//  (3) no entry has an empty mask, and a cell with no entries is not in the shadow.
// So per byte this is exactly FastTrack's W_b and R_b (an epoch, or a read set once reads are
// concurrent), stored once for all the bytes that share it: a granule written whole and then
// read by two concurrent goroutines (a shared lookup table) is 3 entries; two uint32 fields
// read by one goroutine in two epochs are 3 entries, not 8 per-byte states.
//
// Layout: up to three entries inline in a 64-byte Cell (no allocation: the common cases).
// A granule that needs more (three or more concurrent readers since the last write, or many
// goroutines writing different bytes) moves its entries to a Spill: the write entries (at most
// eight, by (1)) and a read list that is appended to in O(1) and compacted (latest read per
// slot and byte) when full, so n concurrent readers cost O(log n) amortised per read. A cell
// returns inline as soon as its entries fit again.
#pragma once

#include "frames.hpp"
#include "vector_clock.hpp"

#include <weft/detector/report.hpp>
#include <weft/detector/same_epoch.hpp>

#include <cstdint>
#include <vector>

// Concurrent mode's lock-free reads (cell_repeats, Engine::repeats_unlocked) read words and
// cells the engine writes under its lock on other threads: by design (a stale value only
// sends the access to the lock), so ThreadSanitizer, when weft is built with it, does not
// check them.
#if defined(__SANITIZE_THREAD__)
#define DET_TSAN_UNCHECKED __attribute__((no_sanitize("thread")))
#else
#define DET_TSAN_UNCHECKED
#endif

namespace weft::det {

// An epoch (slot, clock) packed in 64 bits, the top one left clear (the shadow's same-epoch
// words use it as a flag, see same_epoch.hpp); both limits are checked where epochs are made
// (Engine::go_start, Engine::tick).
inline constexpr unsigned kSlotBits = 24;
inline constexpr Slot kMaxSlot = (Slot{1} << kSlotBits) - 1;
inline constexpr Clock kMaxClock = (Clock{1} << (63 - kSlotBits)) - 1;

// One recorded access: its epoch and what a report needs (call chain, goroutine).
struct Stamp {
  std::uint64_t epoch = 0;  // clock << kSlotBits | slot; 0 = none
  FrameId site = 0;         // access location + call chain
  InfoId info = 0;          // goroutine description
  static constexpr std::uint64_t pack(Slot s, Clock c) { return c << kSlotBits | s; }
  Slot slot() const { return static_cast<Slot>(epoch & kMaxSlot); }
  Clock clock() const { return epoch >> kSlotBits; }
  bool operator==(const Stamp&) const = default;
};

// Who is accessing: the goroutine's slot, its current epoch and clock, and the stamp to record.
struct Accessor {
  Slot slot;
  Clock epoch;
  const VectorClock* clock;
  Stamp stamp;            // stamp.epoch == Stamp::pack(slot, epoch)
  std::uint32_t tag = 0;  // the epoch's tag in shadow words (same_epoch.hpp); 0: none
};

// Atomic accesses (report.hpp) in a granule. Two accesses conflict when their bytes overlap,
// one of them writes and not both are atomic. An atomic access is kept as reads are, in the
// set of a byte's accesses since its last plain write (so (1) and (2) above speak of plain
// writes, and "reads" there means every kind kept_as_read): atomic stores of a byte may be
// concurrent without a race, and a plain read racing any one of them must find it. A kept
// entry is dropped for a later one it happens before only when the later one conflicts with
// everything it conflicts with (covers): a plain read drops plain and atomic reads, an atomic
// store or RMW drops atomic loads, stores and RMWs, an atomic load only atomic loads.
constexpr bool writes(Access a) { return plain(a) != Access::read; }
constexpr bool conflicting(Access a, Access b) {
  return (writes(a) || writes(b)) && !(is_atomic(a) && is_atomic(b));
}
constexpr bool kept_as_read(Access a) { return !writes(a) || is_atomic(a); }
constexpr bool covers(Access later, Access earlier) {
  return earlier == Access::atomic_read || earlier == later ||
         (is_atomic(earlier) && is_atomic(later) && writes(earlier) && writes(later));
}

struct Entry {
  Stamp stamp;
  std::uint8_t mask;  // bytes of the granule it describes
  Access kind;
};

// The conflict an access found in a granule: the earlier access at its lowest conflicting byte.
struct CellConflict {
  Stamp previous;
  Access kind;
  unsigned byte;  // index in the granule
};

struct Spill {
  std::vector<Entry> writes;  // disjoint masks, so at most 8
  std::vector<Entry> reads;   // appended to; compacted when full
  bool atomic_writes = false;  // reads may hold atomic stores or RMWs (a plain read checks them)
};

struct Cell {
  static constexpr unsigned kInline = 3;
  Stamp stamp[kInline];
  Spill* spill = nullptr;  // when set, the entries live there and n == 0
  std::uint8_t mask[kInline] = {};
  Access kind[kInline] = {};
  std::uint8_t n = 0;  // inline entries in use, in stamp[0..n)
};
static_assert(sizeof(Cell) == 64 && sizeof(Cell) == CellArenaView::kCellBytes);

// Whether an access of the bytes in `mask` by the epoch `epoch` (packed) repeats one the cell
// already holds, so cell_access() would change nothing and report nothing: a plain read whose
// bytes that epoch's plain read covers, or a plain write or update when the cell is only that
// epoch's write of (at least) those bytes. Inline entries only (a spilled cell answers false).
// Concurrent mode reads cells this way without the detector's lock (Engine::repeats_unlocked):
// an entry with `epoch` is written only by that epoch's goroutine, which is the caller, so a
// cell that another thread is changing can at worst show an entry a concurrent write has just
// removed (that write raced with the entry's access and was checked against it).
DET_TSAN_UNCHECKED inline bool cell_repeats(const Cell& c, unsigned mask, Access kind,
                                            std::uint64_t epoch) {
  if (c.spill != nullptr) return false;
  const unsigned n = c.n;
  if (n > Cell::kInline) return false;
  if (kind == Access::read) {
    for (unsigned i = 0; i < n; ++i)
      if (c.stamp[i].epoch == epoch && c.kind[i] == Access::read && (c.mask[i] & mask) == mask)
        return true;
    return false;
  }
  if (kind != Access::write && kind != Access::update) return false;
  return n == 1 && c.stamp[0].epoch == epoch && !kept_as_read(c.kind[0]) &&
         (c.mask[0] & mask) == mask;
}

// Whether the access stamped s happens before `who`'s current epoch. Same slot: an earlier
// occupant's epochs are below the current one (slot reuse keeps clocks monotonic), and they
// happen before it; see slots.hpp.
[[gnu::always_inline]] inline bool cell_happens_before(const Stamp& s, const Accessor& who) {
  const Slot slot = s.slot();
  if (slot == who.slot) return s.clock() <= who.epoch;
  return s.clock() <= who.clock->get(slot);
}

// A fresh cell (no spill, n == 0) takes its first entry: nothing to check. Returns false.
inline bool cell_start(Cell& c, unsigned mask, Access kind, const Accessor& who) {
  c.stamp[0] = who.stamp;
  c.mask[0] = static_cast<std::uint8_t>(mask);
  c.kind[0] = kind;
  c.n = 1;
  return false;
}

// cell_access() past its inline cases (shadow_cell.cpp): the whole rule, for any cell.
bool cell_access_general(Cell& c, unsigned mask, Access kind, const Accessor& who,
                         CellConflict* conflict);
// A plain read of an inline cell (no spill, n > 0) that is not a repeat of its epoch.
bool cell_read(Cell& c, unsigned mask, const Accessor& who, CellConflict* conflict);

// Checks an access of the bytes in `mask` (non-empty) against the granule and records it.
// Returns true and fills *conflict if it conflicts with an access that does not happen
// before it. Inline: its common cases (a fresh cell, a repeat, a write replacing one entry
// ordered before it) are a few compares on the shadow's access path; the rest is
// cell_access_general's.
[[gnu::always_inline]] inline bool cell_access(Cell& c, unsigned mask, Access kind,
                                               const Accessor& who, CellConflict* conflict) {
  if (c.spill == nullptr) {
    if (c.n == 0) return cell_start(c, mask, kind, who);
    // Atomic accesses take the general rules (no same-epoch exit: they are rare, and each
    // is a scheduling point anyway).
    if (!is_atomic(kind)) {
      // Same epoch (FastTrack's first exit): a read whose bytes this epoch already read or
      // wrote, or a write whose bytes hold nothing but this epoch's write (plain accesses:
      // an atomic one does not conflict with all that a plain one does).
      const std::uint64_t epoch = who.stamp.epoch;
      if (kind == Access::read) {
        for (unsigned i = 0; i < c.n; ++i) {
          if (c.stamp[i].epoch == epoch && !is_atomic(c.kind[i]) && (c.mask[i] & mask) == mask)
            return false;
        }
        // A first read that only joins the cell: every plain write or update in it happens
        // before the read (no conflict), and no read in it is one this read replaces (the
        // same stamp, or an ordered read of some of its bytes). Then the read is appended,
        // as cell_read would do; anything else is cell_read's.
        if (c.n < Cell::kInline) {
          bool joins = true;
          for (unsigned i = 0; i < c.n && joins; ++i) {
            const Access k = c.kind[i];
            if (k == Access::read) {
              joins = !(c.stamp[i] == who.stamp) &&
                      ((c.mask[i] & mask) == 0 || !cell_happens_before(c.stamp[i], who));
            } else {
              joins = (k == Access::write || k == Access::update) &&
                      cell_happens_before(c.stamp[i], who);
            }
          }
          if (joins) {
            c.stamp[c.n] = who.stamp;
            c.mask[c.n] = static_cast<std::uint8_t>(mask);
            c.kind[c.n] = Access::read;
            ++c.n;
            return false;
          }
        }
        return cell_read(c, mask, who, conflict);
      }
      if (c.n == 1) {
        if (c.stamp[0].epoch == epoch && !kept_as_read(c.kind[0]) && (c.mask[0] & mask) == mask)
          return false;
        // The same epoch's write of other bytes at the same site (the halves of a granule
        // filled by 4-byte stores, a struct's fields): one entry covers them all, as the
        // general rule would leave it.
        if (c.kind[0] == kind && c.stamp[0] == who.stamp) {
          c.mask[0] = static_cast<std::uint8_t>(c.mask[0] | mask);
          return false;
        }
        // A write over all the bytes of a single ordered entry (a counter updated under a
        // lock, a variable rewritten in a later epoch) replaces it.
        if ((c.mask[0] & ~mask) == 0 && cell_happens_before(c.stamp[0], who)) {
          c.stamp[0] = who.stamp;
          c.mask[0] = static_cast<std::uint8_t>(mask);
          c.kind[0] = kind;
          return false;
        }
      }
    }
  }
  return cell_access_general(c, mask, kind, who, conflict);
}
// The verdict cell_access() would give a write of the bytes in `mask`, without recording it.
bool cell_check_write(const Cell& c, unsigned mask, const Accessor& who,
                      CellConflict* conflict);
// Forgets the bytes in `mask`. Returns true if the cell is empty now (its spill is freed).
bool cell_forget(Cell& c, unsigned mask);
// Frees the cell's spill, if any, and empties it.
void cell_destroy(Cell& c);
// Whether any cell of any shadow in the process has a spill (if not, cells can be dropped
// without cell_destroy).
bool any_spills();
// Whether not all of the granule's bytes share one state (a diagnostic).
bool cell_is_split(const Cell& c);

// Calls f(Stamp&) for every entry of the cell.
template <class F>
void cell_for_each_stamp(Cell& c, F&& f) {
  if (c.spill != nullptr) {
    for (Entry& e : c.spill->writes) f(e.stamp);
    for (Entry& e : c.spill->reads) f(e.stamp);
  } else {
    for (unsigned i = 0; i < c.n; ++i) f(c.stamp[i]);
  }
}

}  // namespace weft::det
