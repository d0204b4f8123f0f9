// kvcache/lru.cpp — LruMap.
#include "kvcache/lru.hpp"

#include <stdexcept>
#include <utility>

namespace kvcache {

LruMap::LruMap(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw std::invalid_argument("LruMap: capacity must be positive");
  nodes_.reserve(capacity);
  index_.reserve(capacity);
}

void LruMap::unlink(std::uint32_t n) {
  Node& node = nodes_[n];
  if (node.prev != kNone) nodes_[node.prev].next = node.next;
  else head_ = node.next;
  if (node.next != kNone) nodes_[node.next].prev = node.prev;
  else tail_ = node.prev;
  node.prev = node.next = kNone;
}

void LruMap::push_front(std::uint32_t n) {
  Node& node = nodes_[n];
  node.prev = kNone;
  node.next = head_;
  if (head_ != kNone) nodes_[head_].prev = n;
  head_ = n;
  if (tail_ == kNone) tail_ = n;
}

void LruMap::remove_node(std::uint32_t n) {
  unlink(n);
  Node& node = nodes_[n];
  bytes_ -= node.key.size() + node.value.size();
  index_.erase(node.key);
  node.key.clear();
  node.value.clear();
  node.expires_at = 0;
  free_.push_back(n);
}

std::uint32_t LruMap::allocate_node() {
  if (!free_.empty()) {
    std::uint32_t n = free_.back();
    free_.pop_back();
    return n;
  }
  nodes_.emplace_back();
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

std::optional<std::string> LruMap::get(const std::string& key, Nanos now) {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  std::uint32_t n = it->second;
  if (nodes_[n].expires_at != 0 && nodes_[n].expires_at <= now) {
    remove_node(n);
    counts_.expired++;
    return std::nullopt;
  }
  if (head_ != n) {
    unlink(n);
    push_front(n);
  }
  return nodes_[n].value;
}

bool LruMap::put(const std::string& key, std::string value, Nanos expires_at) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    Node& node = nodes_[it->second];
    bytes_ -= node.value.size();
    bytes_ += value.size();
    node.value = std::move(value);
    node.expires_at = expires_at;
    if (head_ != it->second) {
      unlink(it->second);
      push_front(it->second);
    }
    return false;
  }
  if (index_.size() >= capacity_) {
    remove_node(tail_);
    counts_.evicted++;
  }
  std::uint32_t n = allocate_node();
  Node& node = nodes_[n];
  node.key = key;
  node.value = std::move(value);
  node.expires_at = expires_at;
  bytes_ += node.key.size() + node.value.size();
  index_.emplace(key, n);
  push_front(n);
  return true;
}

bool LruMap::erase(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  remove_node(it->second);
  return true;
}

std::size_t LruMap::expire(Nanos now) {
  std::size_t removed = 0;
  std::uint32_t n = tail_;
  while (n != kNone) {
    std::uint32_t prev = nodes_[n].prev;
    if (nodes_[n].expires_at != 0 && nodes_[n].expires_at <= now) {
      remove_node(n);
      ++removed;
    }
    n = prev;
  }
  counts_.expired += removed;
  return removed;
}

std::vector<std::string> LruMap::keys_by_recency() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (std::uint32_t n = head_; n != kNone; n = nodes_[n].next) out.push_back(nodes_[n].key);
  return out;
}

}  // namespace kvcache
