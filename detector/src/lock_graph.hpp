// lock_graph.hpp — the lock-order graph: an edge A → B means some goroutine acquired B while
// holding A. A cycle means two (or more) code paths take the same locks in different orders:
// a potential deadlock, reported even if this schedule did not deadlock.
//
// Choices: every acquisition counts, exclusive or shared (a cycle made only of shared
// acquisitions cannot deadlock by itself, but Go's RWMutex blocks new readers behind a waiting
// writer, so it is still worth a report; the edge records the mode). Only the first
// acquisition sites of an edge are kept. A cycle is looked for only when an edge is new, by a
// depth-first search from its head in edge insertion order, so the result is deterministic.
// Re-acquiring a held lock adds no self-edge.
//
// Gate locks (GoodLock): an edge also keeps the locks its goroutine held exclusively besides
// `from` — intersected over every acquisition of the edge — and a cycle whose edges all hold
// one common gate is not reported: the gate serialises those acquisitions, so the cycle can
// never close (dining philosophers who take both forks under a waiter's lock). A cycle is
// reported when some path closes it without a common gate; if an edge loses its gate later,
// its cycles are looked for again.
//
// Happens-before (lock_graph_hb.cpp): a cycle can close only if every goroutine can hold its
// first lock while the others hold theirs. If one edge's acquisition of `to` happens before
// another goroutine's acquisition of that edge's `from` — through a channel, a WaitGroup, a
// spawn: any edge except those of mutexes, which the engine keeps out of the "order clock" —
// the second cannot start holding while the first waits, so the cycle cannot close and is not
// reported. Each edge keeps, per goroutine that took it (up to kMaxOccurrences), its latest
// acquisition; a cycle is reported when one occurrence per edge can be chosen with no two
// ordered. Two edges of one goroutine are never treated as ordered (its two code paths may run
// in two goroutines of another run: InversionInOneGoroutineCounts). A cycle dropped for
// happens-before is looked for again when one of its edges is taken again.
#pragma once

#include "frames.hpp"
#include "vector_clock.hpp"

#include <weft/detector/report.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace weft::det {

struct HeldLock {
  // Each member set by itself: value-initialising the record (emplace_back()) zeroed all of
  // it first, a string store on every lock.
  HeldLock(const void* m, FrameId s, bool e) : mutex(m), site(s), exclusive(e) {}
  const void* mutex;
  FrameId site;  // where it was acquired (with call chain)
  bool exclusive = false;  // held for writing: only such a lock can be a gate
  // The holder's order clock when it acquired `mutex` (empty until the engine tracks order).
  VectorClock order{};
};

// One goroutine's acquisition of an edge's `to` while holding its `from`.
struct EdgeOccurrence {
  GoId go = 0;
  InfoId info = 0;
  FrameId held_site = 0;      // first seen for this goroutine (stable reports)
  FrameId acquired_site = 0;
  Clock acquired_epoch = 0;   // the goroutine's epoch at its latest acquisition of `to`
  VectorClock held_order;     // its order clock when it acquired `from`, that time
};

struct LockGraphEdge {
  const void* from;
  const void* to;
  bool exclusive;       // mode of the acquisition of `to`
  InfoId goroutine;
  FrameId held_site;    // where `from` was acquired
  FrameId acquired_site;  // where `to` was acquired
  std::vector<const void*> gates;  // sorted: held exclusively at every acquisition of `to`
  std::vector<EdgeOccurrence> occurrences;  // one per goroutine, in order of first acquisition
  bool crowded = false;  // more goroutines than kMaxOccurrences took it: never ordered
  bool recheck = false;  // a cycle through it was dropped for happens-before
};

class LockGraph {
 public:
  // acquired(): the goroutine `who`, holding `held`, acquired `mutex` at `site`. Returns the
  // cycles closed by the edges this added, each in order, starting with the oldest edge after
  // the new one and ending with the new edge.
  // `go` is the goroutine's id and `epoch` its current epoch (for happens-before).
  std::vector<std::vector<LockGraphEdge>> acquired(const std::vector<HeldLock>& held,
                                                   const void* mutex, bool exclusive,
                                                   FrameId site, InfoId who, GoId go = 0,
                                                   Clock epoch = 0);
  // The mutex is gone: drop its edges.
  void remove(const void* mutex);
  void clear();
  std::size_t edge_count() const { return edges_; }
  // Calls f(InfoId&) for every goroutine info an edge keeps (to collect or renumber them).
  template <class F>
  void for_each_info(F&& f) {
    for (auto& [from, edges] : out_) {
      for (LockGraphEdge& e : edges) {
        f(e.goroutine);
        for (EdgeOccurrence& o : e.occurrences) f(o.info);
      }
    }
  }
  static constexpr std::size_t kMaxOccurrences = 8;

 private:
  LockGraphEdge* find_edge(const void* from, const void* to);
  std::vector<LockGraphEdge> path(const void* from, const void* to) const;
  // A path from `from` to `to` whose edges share no gate with each other and with `gates`;
  // empty if none was found within a bounded search.
  std::vector<LockGraphEdge> ungated_path(const void* from, const void* to,
                                          const std::vector<const void*>& gates) const;
  // Records g's acquisition on `e`; returns whether it is g's first on `e`.
  static bool record(LockGraphEdge& e, EdgeOccurrence occurrence);
  // Chooses one occurrence per edge of `cycle` with no two ordered by happens-before and
  // writes their goroutines and sites into the cycle's edges; false if there is none.
  static bool choose_concurrent(std::vector<LockGraphEdge>& cycle);

  std::unordered_map<const void*, std::vector<LockGraphEdge>> out_;  // in insertion order
  std::unordered_map<const void*, std::vector<const void*>> in_;
  std::size_t edges_ = 0;
};

}  // namespace weft::det
