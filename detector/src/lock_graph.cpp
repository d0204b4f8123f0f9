// lock_graph.cpp — LockGraph: edge insertion, cycle search, removal.
#include "lock_graph.hpp"

#include <algorithm>
#include <unordered_set>

namespace weft::det {

LockGraphEdge* LockGraph::find_edge(const void* from, const void* to) {
  auto it = out_.find(from);
  if (it == out_.end()) return nullptr;
  for (LockGraphEdge& e : it->second)
    if (e.to == to) return &e;
  return nullptr;
}

namespace {
std::vector<const void*> intersect(const std::vector<const void*>& a,
                                   const std::vector<const void*>& b) {
  std::vector<const void*> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
// Path searches with gates give up after this many edge visits (and then report the cycle
// found without gates: a possible false alarm rather than a missed deadlock).
constexpr std::size_t kGateSearchBudget = 10'000;
}  // namespace

std::vector<LockGraphEdge> LockGraph::ungated_path(const void* from, const void* to,
                                                   const std::vector<const void*>& gates) const {
  if (gates.empty()) return path(from, to);
  struct Frame {
    const void* node;
    std::size_t next;
    std::vector<const void*> common;  // gates shared by every edge so far
  };
  std::vector<Frame> stack{{from, 0, gates}};
  std::vector<LockGraphEdge> edges;
  std::unordered_set<const void*> on_path{from};
  std::size_t budget = kGateSearchBudget;
  while (!stack.empty()) {
    Frame& top = stack.back();
    auto it = out_.find(top.node);
    if (it == out_.end() || top.next >= it->second.size()) {
      on_path.erase(top.node);
      stack.pop_back();
      if (!edges.empty()) edges.pop_back();
      continue;
    }
    if (budget-- == 0) return path(from, to);
    const LockGraphEdge& e = it->second[top.next++];
    std::vector<const void*> common = intersect(top.common, e.gates);
    if (common.empty()) {
      // No gate left in common: any way on to `to` closes an ungated cycle.
      std::vector<LockGraphEdge> rest = e.to == to ? std::vector<LockGraphEdge>{} : path(e.to, to);
      if (e.to == to || !rest.empty()) {
        edges.push_back(e);
        edges.insert(edges.end(), rest.begin(), rest.end());
        return edges;
      }
      continue;
    }
    if (e.to == to || on_path.count(e.to)) continue;  // gated all the way, or a loop
    edges.push_back(e);
    on_path.insert(e.to);
    stack.push_back({e.to, 0, std::move(common)});
  }
  return {};
}

// A path of edges from `from` to `to`, or empty. Iterative DFS in insertion order.
std::vector<LockGraphEdge> LockGraph::path(const void* from, const void* to) const {
  struct Frame {
    const void* node;
    std::size_t next;
  };
  std::vector<Frame> stack{{from, 0}};
  std::vector<LockGraphEdge> edges;  // edges[i] leads from stack[i] to stack[i+1]
  std::unordered_set<const void*> visited{from};
  while (!stack.empty()) {
    Frame& top = stack.back();
    auto it = out_.find(top.node);
    if (it == out_.end() || top.next >= it->second.size()) {
      stack.pop_back();
      if (!edges.empty()) edges.pop_back();
      continue;
    }
    const LockGraphEdge& e = it->second[top.next++];
    if (e.to == to) {
      edges.push_back(e);
      return edges;
    }
    if (visited.insert(e.to).second) {
      edges.push_back(e);
      stack.push_back({e.to, 0});
    }
  }
  return {};
}

std::vector<std::vector<LockGraphEdge>> LockGraph::acquired(const std::vector<HeldLock>& held,
                                                            const void* mutex, bool exclusive,
                                                            FrameId site, InfoId who, GoId go,
                                                            Clock epoch) {
  std::vector<std::vector<LockGraphEdge>> cycles;
  for (const HeldLock& h : held) {
    if (h.mutex == mutex) continue;
    std::vector<const void*> gates;
    for (const HeldLock& g : held)
      if (g.exclusive && g.mutex != h.mutex && g.mutex != mutex) gates.push_back(g.mutex);
    std::sort(gates.begin(), gates.end());
    gates.erase(std::unique(gates.begin(), gates.end()), gates.end());
    EdgeOccurrence occurrence{go, who, h.site, site, epoch, {}};
    occurrence.held_order = h.order;
    LockGraphEdge* edge = find_edge(h.mutex, mutex);
    if (edge) {
      // Seen before: it keeps only the gates held every time; if that lost one, a cycle
      // through it may now close without a common gate. A cycle through it that was dropped
      // for happens-before may close with this acquisition.
      const bool recheck = edge->recheck;
      record(*edge, std::move(occurrence));
      std::vector<const void*> kept = intersect(edge->gates, gates);
      const bool lost_gate = kept.size() != edge->gates.size();
      if (!lost_gate && !recheck) continue;
      edge->gates = std::move(kept);
    } else {
      out_[h.mutex].push_back(LockGraphEdge{h.mutex, mutex, exclusive, who, h.site, site, gates,
                                            {}, false, false});
      in_[mutex].push_back(h.mutex);
      ++edges_;
      edge = &out_[h.mutex].back();
      record(*edge, std::move(occurrence));
    }
    LockGraphEdge closing = *edge;
    std::vector<LockGraphEdge> cycle = ungated_path(mutex, h.mutex, closing.gates);
    if (cycle.empty()) continue;
    cycle.push_back(std::move(closing));
    if (choose_concurrent(cycle)) {
      cycles.push_back(std::move(cycle));
    } else {
      for (const LockGraphEdge& e : cycle) find_edge(e.from, e.to)->recheck = true;
    }
  }
  return cycles;
}

void LockGraph::remove(const void* mutex) {
  if (auto in = in_.find(mutex); in != in_.end()) {
    for (const void* from : in->second) {
      auto& v = out_[from];
      auto gone = std::remove_if(v.begin(), v.end(),
                                 [&](const LockGraphEdge& e) { return e.to == mutex; });
      edges_ -= static_cast<std::size_t>(v.end() - gone);
      v.erase(gone, v.end());
      if (v.empty()) out_.erase(from);
    }
    in_.erase(in);
  }
  if (auto out = out_.find(mutex); out != out_.end()) {
    for (const LockGraphEdge& e : out->second) {
      auto& v = in_[e.to];
      v.erase(std::remove(v.begin(), v.end(), mutex), v.end());
      if (v.empty()) in_.erase(e.to);
    }
    edges_ -= out->second.size();
    out_.erase(out);
  }
}

void LockGraph::clear() {
  out_.clear();
  in_.clear();
  edges_ = 0;
}

}  // namespace weft::det
