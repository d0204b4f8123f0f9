// slots.hpp — clock slots: which vector-clock component a goroutine uses, and when a dead
// goroutine's component may be handed to a new one.
//
// Why reuse: memory and clock sizes must follow the goroutines alive, not all goroutines ever
// spawned (a run may spawn millions).
//
// The danger: shadow memory still holds epochs (s, c) of the dead occupant D of slot s. If a
// new occupant N simply continued in s, then a goroutine H that learned an epoch of N (through
// a channel, say) would have C[H][s] >= c and would wrongly see D's accesses as ordered before
// its own (a missed race); if N restarted at small clocks, D's epochs would look like N's
// (false reports).
//
// The rule (it keeps both directions exact, with no shadow scan):
//  1. Clocks of a slot continue monotonically across occupants: N starts at the highest
//     clock ever issued in s, plus one. So an epoch names its occupant unambiguously.
//  2. When D ends, the slot records floor = the epoch of D's last recorded access (0 if it
//     made none). Shadow memory holds epochs of accesses only; D's later releases carry
//     larger values of s, but a value is compared with a clock only as an access's epoch, so
//     knowing D's last access is knowing all of D that matters. (A value is published only
//     at the end of its epoch, by a release or spawn that then ticks, so a parent that knows
//     epoch c of D knows every access D made in epochs <= c.)
//  3. A spawn by parent P may reuse s only if C[P][s] >= floor, i.e. D's whole recorded
//     history already happens before P's go statement, hence before everything N does.
// Then for any H: C[H][s] >= start(N) means H learned an epoch of N, which truly happens after
// all of D's accesses, so C[H][s] >= c is correct for every access epoch c of D; and
// C[H][s] < start(N) refers to D (or earlier occupants) exactly as before. Accesses by N itself
// against D's epochs compare clock <= epoch(N), which holds, and D's accesses do happen before
// N's start. (A goroutine that only synchronises, like a producer whose values travel through
// channels, leaves a floor of 0: its slot is free for any spawner at once.)
// If no free slot is known to the parent, a new slot is allocated: goroutines that end without
// anyone ever synchronising with them keep their slot (a few words each). The free list is
// probed FIFO, a bounded number of candidates per spawn, so spawns stay O(1).
#pragma once

#include "vector_clock.hpp"

#include <cstddef>
#include <deque>
#include <vector>

namespace weft::det {

class SlotTable {
 public:
  struct Grant {
    Slot slot;
    Clock start;  // the new occupant's first epoch
  };
  // allocate(parent) picks a slot for a goroutine spawned by a goroutine whose clock is
  // `parent` (nullptr for a root goroutine).
  Grant allocate(const VectorClock* parent);
  // release(s, issued, last_access): s's occupant ended; `issued` is the highest clock it
  // used, `last_access` the epoch of its last recorded access (0 if none).
  void release(Slot s, Clock issued, Clock last_access);
  std::size_t size() const { return slots_.size(); }
  std::size_t free_count() const { return free_.size(); }
  void clear();

 private:
  struct Info {
    Clock issued = 0;  // highest clock ever used in this slot
    Clock floor = 0;   // a reusing spawner must know this epoch of the slot
  };
  std::vector<Info> slots_;
  std::deque<Slot> free_;
};

}  // namespace weft::det
