// kvcache/lru.hpp — a bounded map with least-recently-used eviction and per-entry expiry.
//
// Plain single-threaded C++: a Shard wraps one LruMap in a mutex. Entries live in a
// doubly-linked list ordered from most to least recently used (indices into a node vector,
// with a free list, so nodes are reused instead of reallocated) and are found through an
// unordered_map from key to node index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace kvcache {

// Time in nanoseconds on the cache's clock (weft::Clock under the server; any monotonic
// count in unit tests). 0 means "never expires".
using Nanos = std::int64_t;

struct EvictionCounts {
  std::uint64_t evicted = 0;  // dropped to make room
  std::uint64_t expired = 0;  // dropped because their deadline passed
};

class LruMap {
 public:
  explicit LruMap(std::size_t capacity);

  // The value of `key` if present and not expired at `now`; marks it most recently used.
  // An expired entry is removed (and counted) on the way.
  std::optional<std::string> get(const std::string& key, Nanos now);
  // Inserts or replaces; `expires_at` 0 = never. Evicts the least recently used entry when
  // full. Returns true if the key was new.
  bool put(const std::string& key, std::string value, Nanos expires_at);
  // Removes `key`; true if it was there.
  bool erase(const std::string& key);
  // Removes every entry whose deadline is <= now; returns how many.
  std::size_t expire(Nanos now);
  // Keys from most to least recently used (for tests and debugging).
  std::vector<std::string> keys_by_recency() const;

  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }
  const EvictionCounts& counts() const { return counts_; }
  // Bytes held by keys and values.
  std::size_t bytes() const { return bytes_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  struct Node {
    std::string key;
    std::string value;
    Nanos expires_at = 0;
    std::uint32_t prev = kNone;
    std::uint32_t next = kNone;
  };

  void unlink(std::uint32_t n);
  void push_front(std::uint32_t n);
  void remove_node(std::uint32_t n);
  std::uint32_t allocate_node();

  std::size_t capacity_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::uint32_t head_ = kNone;  // most recently used
  std::uint32_t tail_ = kNone;  // least recently used
  std::size_t bytes_ = 0;
  EvictionCounts counts_;
};

}  // namespace kvcache
