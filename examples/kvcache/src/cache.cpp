// kvcache/cache.cpp — Cache: routing keys to shards, the clock, aggregated statistics.
#include "kvcache/cache.hpp"

#include <stdexcept>

namespace kvcache {

CacheStats& CacheStats::operator+=(const CacheStats& o) {
  hits += o.hits;
  misses += o.misses;
  sets += o.sets;
  deletes += o.deletes;
  evicted += o.evicted;
  expired += o.expired;
  entries += o.entries;
  bytes += o.bytes;
  return *this;
}

double CacheStats::hit_ratio() const {
  std::uint64_t lookups = hits + misses;
  return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
}

namespace {
// FNV-1a: stable across platforms and runs (std::hash need not be), so a key's shard, and
// hence every explored schedule, is reproducible.
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

Cache::Cache(CacheOptions options) {
  if (options.shards == 0) throw std::invalid_argument("Cache: at least one shard");
  shards_.reserve(options.shards);
  for (std::size_t i = 0; i < options.shards; ++i)
    shards_.push_back(std::make_unique<Shard>(options.capacity_per_shard));
}

std::size_t Cache::shard_of(const std::string& key) const {
  return static_cast<std::size_t>(fnv1a(key) % shards_.size());
}

Nanos Cache::now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             weft::Clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> Cache::get(const std::string& key) {
  return shards_[shard_of(key)]->get(key, now());
}

bool Cache::set(const std::string& key, std::string value, weft::Duration ttl) {
  // Deadlines are at least 1 ns so that 0 keeps meaning "never".
  Nanos expires_at = ttl.count() > 0 ? now() + ttl.count() : 0;
  if (ttl.count() > 0 && expires_at == 0) expires_at = 1;
  return shards_[shard_of(key)]->set(key, std::move(value), expires_at);
}

bool Cache::del(const std::string& key) { return shards_[shard_of(key)]->del(key); }

std::size_t Cache::append(const std::string& key, const std::string& delta) {
  return shards_[shard_of(key)]->append(key, delta, now());
}

std::size_t Cache::expire_now() {
  Nanos t = now();
  std::size_t n = 0;
  for (auto& shard : shards_) n += shard->expire(t);
  return n;
}

CacheStats Cache::stats() {
  CacheStats total;
  for (auto& shard : shards_) total += shard->stats();
  return total;
}

}  // namespace kvcache
