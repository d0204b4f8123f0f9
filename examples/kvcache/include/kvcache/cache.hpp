// kvcache/cache.hpp — a sharded, thread-safe (goroutine-safe) cache built from LruMaps.
//
//   kvcache::Cache cache({.shards = 8, .capacity_per_shard = 128});
//   cache.set("user:1", "ann", 30s);          // expires 30 s from now on weft::Clock
//   if (auto v = cache.get("user:1")) ...
//   kvcache::CacheStats s = cache.stats();
//
// Each shard is one weft::Mutex around one LruMap plus its hit/miss counters; a key's
// shard is chosen by its hash, so goroutines working on different keys rarely contend.
// Must be used inside a weft run (weft::explore): the mutexes are weft's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kvcache/lru.hpp"
#include "weft/sync.hpp"
#include "weft/time.hpp"

namespace kvcache {

struct CacheOptions {
  std::size_t shards = 8;
  std::size_t capacity_per_shard = 256;
};

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t sets = 0;
  std::uint64_t deletes = 0;
  std::uint64_t evicted = 0;
  std::uint64_t expired = 0;
  std::size_t entries = 0;
  std::size_t bytes = 0;

  CacheStats& operator+=(const CacheStats& o);
  double hit_ratio() const;
};

// One lock, one LRU map, one set of counters.
class Shard {
 public:
  explicit Shard(std::size_t capacity);

  std::optional<std::string> get(const std::string& key, Nanos now);
  bool set(const std::string& key, std::string value, Nanos expires_at);
  bool del(const std::string& key);
  // Appends `delta` to the value (creating it); returns the new length.
  std::size_t append(const std::string& key, const std::string& delta, Nanos now);
  std::size_t expire(Nanos now);
  CacheStats stats();

 private:
  weft::Mutex mu_;
  LruMap map_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
  std::uint64_t sets_ = 0;
  std::uint64_t deletes_ = 0;
};

class Cache {
 public:
  explicit Cache(CacheOptions options = {});

  std::optional<std::string> get(const std::string& key);
  // ttl 0 = never expires.
  bool set(const std::string& key, std::string value, weft::Duration ttl = weft::Duration{0});
  bool del(const std::string& key);
  std::size_t append(const std::string& key, const std::string& delta);
  // Drops every expired entry of every shard; returns how many.
  std::size_t expire_now();
  CacheStats stats();

  std::size_t shard_count() const { return shards_.size(); }
  std::size_t shard_of(const std::string& key) const;
  static Nanos now();

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace kvcache
