// frames.hpp — interned call chains and goroutine descriptions.
//
// FrameTrie: a call chain is a node of a trie whose edges are source locations; node 0 is
// the empty chain. A shadow call stack is a node id, func_enter/func_exit move to a child or
// back to the parent, and an access is stamped with the node of (its stack + its location),
// so the chain of an old access costs one 32-bit id. Nodes are never freed before reset.
//
// GoroutineTable: goroutine descriptions (id, name, creation chain) interned by value, so a
// program that reuses ids keeps one entry per distinct description. Descriptions of dead
// goroutines stay while shadow memory or the lock graph refers to them; the engine collects
// the others (compact) when the table has doubled since the last collection.
#pragma once

#include <weft/detector/report.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weft::det {

using FrameId = std::uint32_t;
using InfoId = std::uint32_t;

class FrameTrie {
 public:
  FrameTrie();
  // child(parent, loc) is the node for the chain `parent` extended by `loc`.
  FrameId child(FrameId parent, const Loc& loc);
  FrameId parent(FrameId node) const { return nodes_[node].parent; }
  const Loc& loc(FrameId node) const { return nodes_[node].loc; }
  // chain(node): the locations from `node` up to the root, innermost first.
  std::vector<Loc> chain(FrameId node) const;
  std::size_t size() const { return nodes_.size(); }
  void clear();

 private:
  struct Node {
    FrameId parent;
    Loc loc;
  };
  struct Key {
    FrameId parent;
    const char* file;
    const char* function;
    std::uint32_t line, column;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  std::vector<Node> nodes_;
  std::unordered_map<Key, FrameId, KeyHash> index_;
};

// The qualified-name form (as weft-instrument labels frames: `ns::(anonymous
// namespace)::f::<lambda>`) of a function name in GCC's pretty form, which is what
// std::source_location gives under GCC (`int ns::{anonymous}::f(int)::<lambda()>`): return
// type, parameter lists, trailing qualifiers, template arguments and `[with ...]` dropped.
// A name it cannot parse comes back in a form that matches nothing.
std::string qualified_function_name(std::string_view pretty);

// Whether a frame labelled `frame` (by weft-instrument) and a location labelled `at` (by
// weft-instrument, or by std::source_location) name the same function.
bool same_function_name(std::string_view frame, std::string_view at);

struct GoroutineInfo {
  GoId id = 0;
  std::string name;
  GoId parent = 0;         // the spawner; 0: a root goroutine
  FrameId created_at = 0;  // node of (spawner's stack + go statement)
};

class GoroutineTable {
 public:
  InfoId intern(GoId id, std::string_view name, GoId parent, FrameId created_at);
  const GoroutineInfo& get(InfoId i) const { return infos_[i]; }
  // compact(keep) drops the descriptions not marked in `keep` and returns, for each old id,
  // its new id (kDropped if dropped).
  static constexpr InfoId kDropped = ~InfoId{0};
  std::vector<InfoId> compact(const std::vector<bool>& keep);
  std::size_t size() const { return infos_.size(); }
  void clear();

 private:
  struct Key {
    GoId id;
    GoId parent;
    FrameId created_at;
    std::string name;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  std::vector<GoroutineInfo> infos_;
  std::unordered_map<Key, InfoId, KeyHash> index_;
};

}  // namespace weft::det
