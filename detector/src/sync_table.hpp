// sync_table.hpp — the clocks of synchronisation objects by address (Engine::syncs_).
//
// A hash map from address to clock, with a direct-mapped cache of recently used objects in
// front: a program's locks are few and hot (a histogram's 256 bin mutexes), and each lock
// and unlock looks its object up once, so the cache answers with one compare where the map
// would divide by its bucket count and walk a node. Map nodes never move, so a cached
// pointer stays valid until its object is erased (which empties its way) or the table is
// cleared (which empties them all).
//
// Each clock also says which goroutine stored it last with release_store with nothing
// joined into it since (`stored_by`, that goroutine state's serial; 0: none). The clock is
// then a snapshot of that goroutine's clock, and a goroutine's clock only grows, so its own
// later acquire is a no-op: the steady state of a lock taken again by its last holder.
#pragma once

#include "vector_clock.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace weft::det {

// A release (not release_store) whose join would have to merge two unrelated bases is kept
// as a copy of the releasing goroutine's clock instead (a copy is O(its delta) and shares its
// base), joined into `clock` only when the object is acquired, or when more than
// kMaxPending goroutines have such copies. The object's clock is `clock` joined with every
// pending copy. A goroutine's clock only grows, so its later release replaces its pending
// copy: a goroutine that releases the same object again and again (a shared_ptr copied and
// dropped in a loop, weft_happens_before) costs one join when someone acquires, not one per
// release.
struct PendingRelease {
  std::uint64_t serial = 0;  // GoState::serial of the releasing goroutine
  VectorClock clock;         // its clock at its latest release of this object
};

struct SyncClock {
  VectorClock clock;
  std::uint64_t stored_by = 0;  // GoState::serial, see above
  std::vector<PendingRelease> pending;
  static constexpr std::size_t kMaxPending = 32;
};

class SyncTable {
 public:
  // The object's clock, or null if it has none.
  SyncClock* find(const void* a) {
    Way& w = ways_[way(a)];
    if (w.key == a && w.sync != nullptr) return w.sync;
    auto it = map_.find(a);
    if (it == map_.end()) return nullptr;
    w = Way{a, &it->second};
    return &it->second;
  }
  // The object's clock, made (empty) if it has none.
  SyncClock& get(const void* a) {
    Way& w = ways_[way(a)];
    if (w.key == a && w.sync != nullptr) return *w.sync;
    SyncClock& s = map_[a];
    w = Way{a, &s};
    return s;
  }
  void erase(const void* a) {
    Way& w = ways_[way(a)];
    if (w.key == a) w = Way{};
    map_.erase(a);
  }
  void clear() {
    if (map_.empty()) return;  // then every way is empty already
    map_.clear();
    ways_.fill(Way{});
  }
  std::size_t size() const { return map_.size(); }
  template <class F>
  void for_each_clock(F&& f) const {
    for (const auto& [a, s] : map_) {
      f(s.clock);
      for (const PendingRelease& p : s.pending) f(p.clock);
    }
  }

 private:
  static constexpr unsigned kWayBits = 8;
  static std::size_t way(const void* a) {
    return static_cast<std::size_t>(
        (reinterpret_cast<std::uintptr_t>(a) * 0x9E3779B97F4A7C15ull) >> (64 - kWayBits));
  }
  struct Way {
    const void* key = nullptr;
    SyncClock* sync = nullptr;  // null: empty way
  };
  std::unordered_map<const void*, SyncClock> map_;
  std::array<Way, std::size_t{1} << kWayBits> ways_{};
};

}  // namespace weft::det
