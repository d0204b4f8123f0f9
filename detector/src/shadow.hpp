// shadow.hpp — shadow memory: FastTrack state for every accessed byte.
//
// Each byte remembers the last write (an epoch: slot + clock) and the reads since it: one
// epoch while the reads are ordered, a read set (one epoch per slot) once two goroutines read
// concurrently. A write clears the reads. Besides the epoch a stamp carries what a report
// needs about the access: its interned call chain, its goroutine and its kind.
//
// Layout: a hash map from 8-byte granule to Granule. A granule whose touched bytes all have
// the same state (the common case: aligned accesses of 8, or of one size per field) keeps one
// ByteState and a mask of the bytes it covers; it splits into eight states only when accesses
// of different extents or goroutines mix inside it, and folds back when a write leaves all its
// touched bytes equal.
//
// Invariants: a granule in the map has at least one non-empty byte; `one` is empty while split.
#pragma once

#include "frames.hpp"
#include "vector_clock.hpp"

#include <weft/detector/report.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace weft::det {

struct Stamp {
  Clock clock = 0;  // 0 = no access
  Slot slot = 0;
  FrameId site = 0;  // access location + call chain
  InfoId info = 0;   // goroutine description
  Access kind = Access::read;
  bool operator==(const Stamp&) const = default;
};

struct ByteState {
  Stamp write;
  Stamp read;                // valid while `shared` is empty
  std::vector<Stamp> shared; // concurrent reads (the latest per slot, maybe older ones)
  bool empty() const { return write.clock == 0 && read.clock == 0 && shared.empty(); }
  bool operator==(const ByteState&) const = default;
};

// Who is accessing: the goroutine's slot, its current epoch and clock, and the stamp to record.
struct Accessor {
  Slot slot;
  Clock epoch;
  const VectorClock* clock;
  Stamp stamp;
};

struct Conflict {
  Stamp previous;
  std::size_t offset;  // of the first conflicting byte, from the access's address
};

class Shadow {
 public:
  // Checks an access against the recorded state, records it, and returns the conflict at the
  // lowest conflicting byte, if any.
  std::optional<Conflict> access(std::uintptr_t addr, std::size_t size, Access kind,
                                 const Accessor& who);
  // Forgets the state of [addr, addr+size).
  void free_range(std::uintptr_t addr, std::size_t size);
  void clear();
  // Calls f(Stamp&) for every recorded access (to collect or renumber goroutine infos).
  template <class F>
  void for_each_stamp(F&& f);
  std::size_t granules() const { return map_.size(); }
  std::size_t split_granules() const { return split_; }

 private:
  struct Granule {
    ByteState one;
    std::uint8_t mask = 0;  // bytes `one` describes (when not split)
    std::unique_ptr<std::array<ByteState, 8>> bytes;
  };
  // Returns the index of the first conflicting byte (or -1) and fills *conflict.
  int access_granule(Granule& g, unsigned mask, Access kind, const Accessor& who,
                     Stamp* conflict);
  void split(Granule& g);
  void clear_bytes(std::uintptr_t key, unsigned mask);

  std::unordered_map<std::uintptr_t, Granule> map_;  // key: address / 8
  std::size_t split_ = 0;
};

template <class F>
void Shadow::for_each_stamp(F&& f) {
  auto visit = [&](ByteState& b) {
    if (b.write.clock != 0) f(b.write);
    if (b.read.clock != 0) f(b.read);
    for (Stamp& r : b.shared) f(r);
  };
  for (auto& [key, g] : map_) {
    if (g.bytes) {
      for (ByteState& b : *g.bytes) visit(b);
    } else {
      visit(g.one);
    }
  }
}

}  // namespace weft::det
