// kvcache/shard.cpp — Shard: one mutex-protected LruMap and its counters.
#include "kvcache/cache.hpp"

namespace kvcache {

Shard::Shard(std::size_t capacity) : map_(capacity) {}

std::optional<std::string> Shard::get(const std::string& key, Nanos now) {
  mu_.lock();
  std::optional<std::string> v = map_.get(key, now);
#ifdef KVCACHE_SEED_STATS_RACE
  mu_.unlock();
  // Seeded bug: the hit/miss counters are bumped after the lock was released.
  if (v) hits_++;  // SEEDED-RACE
  else misses_++;
#else
  if (v) hits_++;
  else misses_++;
  mu_.unlock();
#endif
  return v;
}

bool Shard::set(const std::string& key, std::string value, Nanos expires_at) {
  mu_.lock();
  bool fresh = map_.put(key, std::move(value), expires_at);
  sets_++;
  mu_.unlock();
  return fresh;
}

bool Shard::del(const std::string& key) {
  mu_.lock();
  bool found = map_.erase(key);
  if (found) deletes_++;
  mu_.unlock();
  return found;
}

std::size_t Shard::append(const std::string& key, const std::string& delta, Nanos now) {
  mu_.lock();
  std::string value = map_.get(key, now).value_or(std::string());
  value += delta;
  std::size_t n = value.size();
  map_.put(key, std::move(value), 0);
  sets_++;
  mu_.unlock();
  return n;
}

std::size_t Shard::expire(Nanos now) {
  mu_.lock();
  std::size_t n = map_.expire(now);
  mu_.unlock();
  return n;
}

CacheStats Shard::stats() {
  mu_.lock();
  CacheStats s;
  s.hits = hits_;
  s.misses = misses_;
  s.sets = sets_;
  s.deletes = deletes_;
  s.evicted = map_.counts().evicted;
  s.expired = map_.counts().expired;
  s.entries = map_.size();
  s.bytes = map_.bytes();
  mu_.unlock();
  return s;
}

}  // namespace kvcache
