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
//  2. When D ends, the slot records floor = the last epoch of D that anyone can have seen
//     (the epoch of its last access, release or spawn; later values were never published).
//  3. A spawn by parent P may reuse s only if C[P][s] >= floor, i.e. D's whole visible
//     history already happens before P's go statement, hence before everything N does.
// Then for any H: C[H][s] >= start(N) means H learned an epoch of N, which truly happens after
// all of D, so C[H][s] >= c is correct for every epoch c of D; and C[H][s] < start(N) refers to
// D (or earlier occupants) exactly as before. Accesses by N itself against D's epochs compare
// clock <= epoch(N), which holds, and D's history does happen before N's start.
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
  // release(s, issued, last_visible): s's occupant ended; `issued` is the highest clock it
  // used, `last_visible` the last epoch others can know of (0 if none).
  void release(Slot s, Clock issued, Clock last_visible);
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
