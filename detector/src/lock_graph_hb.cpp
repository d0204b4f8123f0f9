// lock_graph_hb.cpp — the happens-before refinement of lock-order cycles (lock_graph.hpp):
// per-goroutine occurrences of an edge and the choice of pairwise unordered ones.
//
// Why "acquisition of `to` happens before acquisition of `from`" rules a pair out: for the
// cycle to close, the goroutine of edge i must hold from_i and wait for to_i while the
// goroutine of edge j holds from_j. If i's acquisition of to_i happens before j's acquisition
// of from_j, then j can only hold from_j after i is past its wait, in every schedule.
#include "lock_graph.hpp"

#include <limits>

namespace weft::det {

namespace {

// The component of a goroutine in order clocks (the engine uses the goroutine id, which is
// never reused; ids that do not fit get none and are never seen as ordered).
bool order_slot(GoId go, Slot* slot) {
  if (go == 0 || go > std::numeric_limits<Slot>::max()) return false;
  *slot = static_cast<Slot>(go);
  return true;
}

// a's acquisition of its `to` happens before b's acquisition of its `from`.
bool ordered(const EdgeOccurrence& a, const EdgeOccurrence& b) {
  Slot slot = 0;
  if (a.go == b.go || !order_slot(a.go, &slot) || a.acquired_epoch == 0) return false;
  return b.held_order.get(slot) >= a.acquired_epoch;
}

// Choices are tried depth-first; a search that runs out reports the cycle (a possible false
// alarm rather than a missed deadlock).
constexpr std::size_t kChoiceBudget = 10'000;

}  // namespace

bool LockGraph::record(LockGraphEdge& e, EdgeOccurrence occurrence) {
  for (EdgeOccurrence& o : e.occurrences) {
    if (o.go == occurrence.go) {
      o.acquired_epoch = occurrence.acquired_epoch;
      o.held_order = std::move(occurrence.held_order);
      return false;
    }
  }
  if (e.occurrences.size() >= kMaxOccurrences) {
    e.crowded = true;
    return true;
  }
  e.occurrences.push_back(std::move(occurrence));
  return true;
}

bool LockGraph::choose_concurrent(std::vector<LockGraphEdge>& cycle) {
  const std::size_t n = cycle.size();
  // Options per edge: its occurrences, then (if crowded) "some other goroutine", which is
  // ordered with nothing; -1 stands for it.
  std::vector<std::vector<int>> options(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < cycle[i].occurrences.size(); ++k)
      options[i].push_back(static_cast<int>(k));
    if (cycle[i].crowded || options[i].empty()) options[i].push_back(-1);
  }
  std::vector<std::size_t> pick(n, 0);
  auto occ = [&](std::size_t i) -> const EdgeOccurrence* {
    const int k = options[i][pick[i]];
    return k < 0 ? nullptr : &cycle[i].occurrences[static_cast<std::size_t>(k)];
  };
  auto fits = [&](std::size_t i) {  // pick[i] against pick[0..i)
    const EdgeOccurrence* a = occ(i);
    if (a == nullptr) return true;
    for (std::size_t j = 0; j < i; ++j) {
      const EdgeOccurrence* b = occ(j);
      if (b != nullptr && (ordered(*a, *b) || ordered(*b, *a))) return false;
    }
    return true;
  };
  std::size_t budget = kChoiceBudget;
  std::size_t i = 0;
  bool found = false;
  while (true) {
    if (budget-- == 0) {
      std::fill(pick.begin(), pick.end(), 0);
      found = true;
      break;
    }
    if (fits(i)) {
      if (++i == n) {
        found = true;
        break;
      }
      pick[i] = 0;
      continue;
    }
    // Next option here, or back up.
    while (++pick[i] == options[i].size()) {
      if (i == 0) return false;
      --i;
    }
  }
  if (!found) return false;
  for (std::size_t k = 0; k < n; ++k) {
    if (const EdgeOccurrence* o = occ(k)) {
      cycle[k].goroutine = o->info;
      cycle[k].held_site = o->held_site;
      cycle[k].acquired_site = o->acquired_site;
    }
  }
  return true;
}

}  // namespace weft::det
