// lock_graph.cpp — LockGraph: edge insertion, cycle search, removal.
#include "lock_graph.hpp"

#include <algorithm>
#include <unordered_set>

namespace weft::det {

bool LockGraph::has_edge(const void* from, const void* to) const {
  auto it = out_.find(from);
  if (it == out_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const LockGraphEdge& e) { return e.to == to; });
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
                                                            FrameId site, InfoId who) {
  std::vector<std::vector<LockGraphEdge>> cycles;
  for (const HeldLock& h : held) {
    if (h.mutex == mutex || has_edge(h.mutex, mutex)) continue;
    LockGraphEdge edge{h.mutex, mutex, exclusive, who, h.site, site};
    std::vector<LockGraphEdge> cycle = path(mutex, h.mutex);
    out_[h.mutex].push_back(edge);
    in_[mutex].push_back(h.mutex);
    ++edges_;
    if (!cycle.empty()) {
      cycle.push_back(edge);
      cycles.push_back(std::move(cycle));
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
