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
#pragma once

#include "frames.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace weft::det {

struct HeldLock {
  const void* mutex;
  FrameId site;  // where it was acquired (with call chain)
  bool exclusive = false;  // held for writing: only such a lock can be a gate
};

struct LockGraphEdge {
  const void* from;
  const void* to;
  bool exclusive;       // mode of the acquisition of `to`
  InfoId goroutine;
  FrameId held_site;    // where `from` was acquired
  FrameId acquired_site;  // where `to` was acquired
  std::vector<const void*> gates;  // sorted: held exclusively at every acquisition of `to`
};

class LockGraph {
 public:
  // acquired(): the goroutine `who`, holding `held`, acquired `mutex` at `site`. Returns the
  // cycles closed by the edges this added, each in order, starting with the oldest edge after
  // the new one and ending with the new edge.
  std::vector<std::vector<LockGraphEdge>> acquired(const std::vector<HeldLock>& held,
                                                   const void* mutex, bool exclusive,
                                                   FrameId site, InfoId who);
  // The mutex is gone: drop its edges.
  void remove(const void* mutex);
  void clear();
  std::size_t edge_count() const { return edges_; }
  // Calls f(LockGraphEdge&) for every edge (to collect or renumber goroutine infos).
  template <class F>
  void for_each_edge(F&& f) {
    for (auto& [from, edges] : out_) {
      for (LockGraphEdge& e : edges) f(e);
    }
  }

 private:
  LockGraphEdge* find_edge(const void* from, const void* to);
  std::vector<LockGraphEdge> path(const void* from, const void* to) const;
  // A path from `from` to `to` whose edges share no gate with each other and with `gates`;
  // empty if none was found within a bounded search.
  std::vector<LockGraphEdge> ungated_path(const void* from, const void* to,
                                          const std::vector<const void*>& gates) const;

  std::unordered_map<const void*, std::vector<LockGraphEdge>> out_;  // in insertion order
  std::unordered_map<const void*, std::vector<const void*>> in_;
  std::size_t edges_ = 0;
};

}  // namespace weft::det
