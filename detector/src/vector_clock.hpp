// vector_clock.hpp — vector clocks and epochs: the detector's notion of happens-before.
//
// Reference semantics (the fast paths below must agree with this model):
//   C[g] : Slot -> Clock for each goroutine g, L[s] : Slot -> Clock for each sync object s
//   acquire(g, s):        C[g] := C[g] ⊔ L[s]                       (element-wise max)
//   release(g, s):        L[s] := L[s] ⊔ C[g];  C[g][slot(g)] += 1
//   release_store(g, s):  L[s] := C[g];         C[g][slot(g)] += 1
//   spawn(p, c):          C[c] := C[p]; C[c][slot(c)] := start(c); C[p][slot(p)] += 1
//   an access stamped with epoch (slot, clock) happens before g  iff  clock <= C[g][slot]
// DetectorDifferential.* (tests/detector_engine/differential_test.cpp) replays random traces
// through the engine and through a naive model with one never-reused component per goroutine
// and full vector clocks, and checks that both agree; its ManyLiveGoroutines variant keeps up
// to 150 goroutines alive so that clocks outgrow their deltas and exercise every path below.
//
// Representation: a clock is a shared, sorted base (immutable while shared) plus a sorted
// delta of entries that override it (value = max of both), folded into a new base when it
// outgrows ~sqrt(base). Copies (spawn, release_store) share the base, so spawning 100,000 goroutines from one parent costs O(1) each; a join whose argument's base
// is the same as (or known to be dominated by) ours only merges the small deltas. A base records
// the ids of a few bases it is known to dominate, and its place in a chain of bases each built
// from the one before (ClockBase::chain), which keeps chains (a mutex handed along 100,000
// goroutines, a WaitGroup joined by all of them, in whatever order) on the fast path. Only joins of
// unrelated bases cost O(entries); of two dense ones (weft::run with thousands of goroutines:
// every clock spans every slot) that is one vector compare per slot, and no base is built
// when the two differ in a delta's worth of slots (VectorClock::join_dense). The join of a
// clock whose delta slots all appear in ours (a lock handed between a few goroutines, the
// steady state of every mutex) is one merge walk that raises values in place, with no search,
// insertion or allocation.
// Cost, in DetectorStats::clock_work: a Mutex and a WaitGroup shared by n goroutines cost
// O(sqrt n) entries per operation (RaceScale.* and bench/race_scale guard it). A persistent
// trie instead of the sorted base makes a lone WaitGroup O(1) but a Mutex plus WaitGroup
// O(n): their tries evolve apart by one tick per leaf and never share nodes again (tried,
// December 2026); going below sqrt n needs tree clocks' pruning.
//
// Shadow memory stores epochs packed as clock << 24 | slot (shadow_cell.hpp): at most 2^24
// slots and 2^39 ticks per slot (bit 63 is the shadow's sole-write flag), both checked where
// they are issued (Engine::go_start, tick).
//
// Slot reuse (memory proportional to live goroutines): see SlotTable in slots.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace weft::det {

using Slot = std::uint32_t;
using Clock = std::uint64_t;  // 0 = "nothing"; the first epoch of any slot is 1

struct ClockEntry {
  Slot slot;
  Clock value;
};

// An immutable run of entries, shared between clocks: sorted (slot, value) pairs, or, when
// most slots below the highest have an entry (slots are reused, so a run with many goroutines
// alive is dense), one value per slot from 0, which a join of two bases merges in one
// vectorisable pass with no search or branch (weft_stress: 600-1,200 slots, every send a join
// of unrelated bases).
struct ClockBase {
  std::uint64_t id = 0;
  std::vector<ClockEntry> entries;     // sorted by slot, no duplicates (empty when dense)
  std::vector<Clock> dense;            // when not empty: slot s's value at [s], 0 for none
  // Ids of bases this one is known to dominate (a fixed array: a join that builds a base
  // would otherwise allocate twice).
  static constexpr std::size_t kMaxCovers = 8;
  std::uint64_t covers[kMaxCovers] = {};
  std::size_t covers_count = 0;
  // Chains: sequences of bases, each built with the one before as a source (so dominating
  // it): the first base built from a base that ends its chain continues that chain, under a
  // higher id; a base built from sources whose chains all went on without them starts a
  // chain. A base dominates every base of its own chain with a lower id, and, for a few other
  // chains, every base of theirs up to the id it notes. A mutex handed along n goroutines
  // makes one chain of their successive clocks' bases; a WaitGroup's clock that met one of
  // them dominates all the earlier ones, whose ids fell out of `covers` long ago.
  struct ChainMark {
    std::uint64_t chain;
    std::uint64_t id;
  };
  static constexpr std::size_t kMaxChains = 4;
  std::uint64_t chain = 0;  // 0: none (never for a base a VectorClock built)
  ChainMark chains[kMaxChains] = {};
  std::size_t chains_count = 0;
  // Set by the build that continued this base's chain (bases are shared across threads in
  // concurrent mode, and this is claimed while they are).
  mutable std::atomic<bool> extended{false};
  // Entries stored (a dense base stores one per slot below its end).
  std::size_t size() const { return dense.empty() ? entries.size() : dense.size(); }
};

// The operations that change a clock return their cost: the number of entries they wrote or
// merged (into deltas, merged or copied bases). The engine sums it as DetectorStats::clock_work, which
// tests use to check that synchronisation does not cost O(goroutines) each.
class VectorClock {
 public:
  // get(s) is this clock's component for slot s (0 if absent). The last two slots asked for
  // are remembered (an access checks against the same few goroutines' epochs again and
  // again); a change of the clock raises what it remembers (set, a join that only raises
  // components of its delta) or forgets it (anything else).
  Clock get(Slot s) const {
    if (memo_slot_[0] == s) return memo_value_[0];
    if (memo_slot_[1] == s) return memo_value_[1];
    return get_slow(s);
  }
  // set(s, v) makes component s equal to max(current, v). Inline when s is in a short delta
  // already (a goroutine's tick of its own slot: every release).
  std::size_t set(Slot s, Clock v) {
    if (delta_.size() <= 8) {
      for (ClockEntry& e : delta_) {
        if (e.slot < s) continue;
        if (e.slot != s) break;
        raise_memo(s, v);
        if (e.value < v) e.value = v;
        return 1;
      }
    }
    return set_slow(s, v);
  }
  // join(o): this := this ⊔ o. Inline when o adds nothing to our base (it has none, or
  // ours) and every slot of its short delta is in ours: one merge walk raising values (a
  // lock handed between a few goroutines). The rest: join_slow, which starts over.
  std::size_t join(const VectorClock& o) {
    if (&o != this && (o.base_ == nullptr || o.base_ == base_) && o.delta_.size() <= 8) {
      if (raise_present(o)) return o.delta_.size();
    }
    return join_slow(o);
  }
  // Whether join(o) takes a path that merges no bases (o has none, ours, or one ours is
  // known to dominate; or we have none and take o's), so its cost is the deltas'.
  bool joins_cheaply(const VectorClock& o) const {
    return o.base_ == nullptr || base_ == nullptr || o.base_ == base_ ||
           base_dominates(*o.base_);
  }
  // this := o, never compacting o first (copy_from may): a copy kept aside (a pending
  // release, engine.hpp) must not change the base o's later joins start from.
  std::size_t copy_as_is(const VectorClock& o);
  // copy_from(o): this := o. May compact o first (which does not change its value), so that
  // the two share one base and copying stays cheap.
  std::size_t copy_from(VectorClock& o) {
    // Inline, the steady state of a lock handed between a few goroutines (every unlock's
    // release_store): the same base (often none) and a delta of the same length, overwritten
    // in place; o's remembered components are ours then. The rest: copy_slow.
    if (&o != this && base_ == o.base_ && delta_.size() == o.delta_.size() &&
        o.delta_.size() <= 16) {
      for (std::size_t i = 0; i < delta_.size(); ++i) delta_[i] = o.delta_[i];
      for (unsigned i = 0; i < 2; ++i) {
        memo_slot_[i] = o.memo_slot_[i];
        memo_value_[i] = o.memo_value_[i];
      }
      copy_seen(o);
      return delta_.size();
    }
    return copy_slow(o);
  }
  void clear();
  // Number of stored entries (base + delta, counting overrides twice).
  std::size_t stored_entries() const;
  // The shared base (null if none) and the delta's size, to count storage once per base.
  const ClockBase* base() const { return base_.get(); }
  std::size_t delta_entries() const { return delta_.size(); }

 private:
  std::size_t compact();
  std::size_t set_slow(Slot s, Clock v);
  std::size_t join_slow(const VectorClock& o);
  // One merge walk raising our delta's values to o's (and the remembered components with
  // them); true when every slot of o's delta was in ours (then the delta part is joined).
  bool raise_present(const VectorClock& o) {
    auto it = delta_.begin();
    for (const ClockEntry& e : o.delta_) {
      while (it != delta_.end() && it->slot < e.slot) ++it;
      if (it == delta_.end() || it->slot != e.slot) return false;
      if (e.value > it->value) {
        it->value = e.value;
        raise_memo(e.slot, e.value);
      }
    }
    return true;
  }
  std::size_t copy_slow(VectorClock& o);
  // join_slow's step for two dense bases that do not cover each other; see there.
  bool join_dense(const std::shared_ptr<const ClockBase>& o, std::size_t& work);
  // Raises our delta to `entries` (sorted by slot), inserting the slots it lacks.
  void merge_delta(const std::vector<ClockEntry>& entries);
  bool base_dominates(const ClockBase& b) const;
  Clock get_slow(Slot s) const;
  void forget_memo() {
    memo_slot_[0] = memo_slot_[1] = kNoSlot;
  }
  // Component s is now at least v.
  void raise_memo(Slot s, Clock v) {
    for (unsigned i = 0; i < 2; ++i)
      if (memo_slot_[i] == s && memo_value_[i] < v) memo_value_[i] = v;
  }

  // Ids of bases this clock's value (base and delta together) is known to dominate, besides
  // those its base covers: a join that put another base's few higher entries into our delta
  // (join_dense) notes that base here, so joining a clock on it again (the spawner's snapshot
  // that many goroutines share, a consumer's base in every buffer slot it stored into) skips
  // the base and merges only the deltas. A clock's value only grows except by copy_from,
  // which copies these too, and clear, which forgets them.
  static constexpr unsigned kSeen = 4;
  bool seen(std::uint64_t id) const {
    for (unsigned i = 0; i < kSeen; ++i)
      if (seen_[i] == id) return true;
    return false;
  }
  void note_seen(std::uint64_t id) {
    if (id == 0 || seen(id)) return;
    seen_[seen_next_ % kSeen] = id;
    seen_next_ = seen_next_ % kSeen + 1;  // 1..kSeen from the first note on: 0 is "none yet"
  }
  // Out of line: copies and locks that never met a dense join (both empty) skip the call.
  void copy_seen(const VectorClock& o) {
    if ((seen_next_ | o.seen_next_) != 0) copy_seen_slow(o);
  }
  void copy_seen_slow(const VectorClock& o);
  std::uint64_t seen_[kSeen] = {};  // 0: empty (base ids start at 1)

  static constexpr Slot kNoSlot = ~Slot{0};  // above any slot (shadow_cell.hpp: kMaxSlot)
  mutable Slot memo_slot_[2] = {kNoSlot, kNoSlot};
  mutable Clock memo_value_[2] = {0, 0};
  mutable unsigned memo_next_ = 0;
  unsigned seen_next_ = 0;  // where the next seen_ id goes, plus one (mod kSeen); 0: none yet

  std::shared_ptr<const ClockBase> base_;  // may be null (all zero)
  std::vector<ClockEntry> delta_;          // sorted by slot, no duplicates
};

}  // namespace weft::det
