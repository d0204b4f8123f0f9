// shadow.cpp — FastTrack's read and write rules, byte by byte, over granules.
#include "shadow.hpp"

#include <algorithm>
#include <bit>
#include <vector>

namespace weft::det {
namespace {

constexpr unsigned kAllBytes = 0xff;

bool happens_before(const Stamp& s, const Accessor& who) {
  // Same slot: an earlier occupant's epochs are below the current one (slot reuse keeps
  // clocks monotonic), and they happen before it; see goroutines.hpp.
  if (s.slot == who.slot) return s.clock <= who.epoch;
  return s.clock <= who.clock->get(s.slot);
}

bool same_epoch(const Stamp& s, const Accessor& who) {
  return s.clock == who.epoch && s.slot == who.slot;
}

// A read set is appended to (O(1) per read, however many readers) and may hold older reads
// of a slot besides its latest; those happen before the latest, so they never change a
// verdict. When it is full it drops them, keeping the latest read per slot in slot order, and
// makes sure at least half of its capacity is free again, so this costs O(log n) per read.
void compact_reads(std::vector<Stamp>& reads) {
  std::stable_sort(reads.begin(), reads.end(), [](const Stamp& a, const Stamp& b) {
    return a.slot != b.slot ? a.slot < b.slot : a.clock > b.clock;
  });
  reads.erase(std::unique(reads.begin(), reads.end(),
                          [](const Stamp& a, const Stamp& b) { return a.slot == b.slot; }),
              reads.end());
  if (reads.size() * 2 > reads.capacity()) reads.reserve(reads.capacity() * 2);
}

// FastTrack read. Returns true (and the previous write) on a write-read conflict.
bool on_read(ByteState& b, const Accessor& who, Stamp* conflict) {
  if (b.shared.empty() && same_epoch(b.read, who)) return false;
  bool race = false;
  if (b.write.clock != 0 && !happens_before(b.write, who)) {
    *conflict = b.write;
    race = true;
  }
  if (!b.shared.empty()) {
    if (b.shared.back().slot == who.slot) {
      b.shared.back() = who.stamp;
    } else {
      if (b.shared.size() == b.shared.capacity()) compact_reads(b.shared);
      b.shared.push_back(who.stamp);
    }
  } else if (b.read.clock == 0 || happens_before(b.read, who)) {
    b.read = who.stamp;  // reads still totally ordered
  } else {
    b.shared = {b.read, who.stamp};  // two concurrent readers: switch to a read set
    b.read = Stamp{};
  }
  return race;
}

// FastTrack write (also read-modify-write). Returns true (and the previous access) on a
// conflict with the last write or any read since.
bool on_write(ByteState& b, const Accessor& who, Stamp* conflict) {
  if (same_epoch(b.write, who) && b.read.clock == 0 && b.shared.empty()) return false;
  bool race = false;
  if (b.write.clock != 0 && !happens_before(b.write, who)) {
    *conflict = b.write;
    race = true;
  } else if (!b.shared.empty()) {
    for (const Stamp& r : b.shared) {
      if (!happens_before(r, who)) {
        *conflict = r;
        race = true;
        break;
      }
    }
  } else if (b.read.clock != 0 && !happens_before(b.read, who)) {
    *conflict = b.read;
    race = true;
  }
  b.write = who.stamp;
  b.read = Stamp{};
  b.shared = {};
  return race;
}

bool on_access(ByteState& b, Access kind, const Accessor& who, Stamp* conflict) {
  return kind == Access::read ? on_read(b, who, conflict) : on_write(b, who, conflict);
}

}  // namespace

void Shadow::split(Granule& g) {
  g.bytes = std::make_unique<std::array<ByteState, 8>>();
  for (unsigned i = 0; i < 8; ++i) {
    if (g.mask & (1u << i)) (*g.bytes)[i] = g.one;
  }
  g.one = ByteState{};
  g.mask = 0;
  ++split_;
}

int Shadow::access_granule(Granule& g, unsigned mask, Access kind, const Accessor& who,
                           Stamp* conflict) {
  if (!g.bytes) {
    if (g.mask == 0 || g.mask == mask) {
      bool race = on_access(g.one, kind, who, conflict);
      g.mask = static_cast<std::uint8_t>(mask);
      return race ? std::countr_zero(mask) : -1;
    }
    split(g);
  }
  auto& bytes = *g.bytes;
  int first = -1;
  for (unsigned i = 0; i < 8; ++i) {
    if (!(mask & (1u << i))) continue;
    Stamp c;
    if (on_access(bytes[i], kind, who, &c) && first < 0) {
      first = static_cast<int>(i);
      *conflict = c;
    }
  }
  if (kind != Access::read) {
    // Fold back into one state if the bytes just written are the only non-empty ones and agree.
    unsigned lo = static_cast<unsigned>(std::countr_zero(mask));
    bool uniform = true;
    for (unsigned i = 0; i < 8 && uniform; ++i) {
      uniform = (mask & (1u << i)) ? bytes[i] == bytes[lo] : bytes[i].empty();
    }
    if (uniform) {
      g.one = std::move(bytes[lo]);
      g.mask = static_cast<std::uint8_t>(mask);
      g.bytes.reset();
      --split_;
    }
  }
  return first;
}

std::optional<Conflict> Shadow::access(std::uintptr_t addr, std::size_t size, Access kind,
                                       const Accessor& who) {
  std::optional<Conflict> result;
  if (size == 0) return result;
  const std::uintptr_t end = addr + size;
  for (std::uintptr_t base = addr & ~std::uintptr_t{7}; base < end; base += 8) {
    unsigned lo = static_cast<unsigned>(std::max(addr, base) - base);
    unsigned hi = static_cast<unsigned>(std::min<std::uintptr_t>(end - base, 8));
    unsigned mask = (kAllBytes >> (8 - hi)) & (kAllBytes << lo) & kAllBytes;
    Stamp c;
    int at = access_granule(map_[base >> 3], mask, kind, who, &c);
    if (at >= 0 && !result) result = Conflict{c, static_cast<std::size_t>(base + at - addr)};
    if (base + 8 < base) break;  // wrapped around the address space
  }
  return result;
}

void Shadow::clear_bytes(std::uintptr_t key, unsigned mask) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  Granule& g = it->second;
  if (!g.bytes) {
    g.mask = static_cast<std::uint8_t>(g.mask & ~mask);
    if (g.mask == 0) map_.erase(it);
    return;
  }
  bool empty = true;
  for (unsigned i = 0; i < 8; ++i) {
    if (mask & (1u << i)) (*g.bytes)[i] = ByteState{};
    empty = empty && (*g.bytes)[i].empty();
  }
  if (empty) {
    --split_;
    map_.erase(it);
  }
}

void Shadow::free_range(std::uintptr_t addr, std::size_t size) {
  if (size == 0 || map_.empty()) return;
  const std::uintptr_t end = addr + size < addr ? ~std::uintptr_t{0} : addr + size;
  const std::uintptr_t first = addr >> 3, last = (end - 1) >> 3;
  auto mask_of = [&](std::uintptr_t key) {
    std::uintptr_t base = key << 3;
    unsigned lo = static_cast<unsigned>(std::max(addr, base) - base);
    unsigned hi = static_cast<unsigned>(std::min<std::uintptr_t>(end - base, 8));
    return (kAllBytes >> (8 - hi)) & (kAllBytes << lo) & kAllBytes;
  };
  if (last - first + 1 > map_.size()) {
    // Larger than the whole shadow: walk the map instead of the range.
    std::vector<std::uintptr_t> keys;
    for (const auto& [key, g] : map_) {
      if (key >= first && key <= last) keys.push_back(key);
    }
    for (std::uintptr_t key : keys) clear_bytes(key, mask_of(key));
    return;
  }
  for (std::uintptr_t key = first;; ++key) {
    clear_bytes(key, mask_of(key));
    if (key == last) break;
  }
}

void Shadow::clear() {
  map_.clear();
  split_ = 0;
}

}  // namespace weft::det
