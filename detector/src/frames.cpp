// frames.cpp — FrameTrie and GoroutineTable.
#include "frames.hpp"

#include <functional>

namespace weft::det {
namespace {

std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace

std::size_t FrameTrie::KeyHash::operator()(const Key& k) const noexcept {
  std::size_t h = k.parent;
  h = mix(h, std::hash<const void*>{}(k.file));
  h = mix(h, std::hash<const void*>{}(k.function));
  h = mix(h, (std::size_t{k.line} << 20) ^ k.column);
  return h;
}

FrameTrie::FrameTrie() { clear(); }

FrameId FrameTrie::child(FrameId parent, const Loc& loc) {
  Key key{parent, loc.file, loc.function, loc.line, loc.column};
  auto [it, inserted] = index_.try_emplace(key, static_cast<FrameId>(nodes_.size()));
  if (inserted) nodes_.push_back({parent, loc});
  return it->second;
}

std::vector<Loc> FrameTrie::chain(FrameId node) const {
  std::vector<Loc> out;
  for (; node != 0; node = nodes_[node].parent) out.push_back(nodes_[node].loc);
  return out;
}

void FrameTrie::clear() {
  nodes_.clear();
  index_.clear();
  nodes_.push_back({0, Loc{}});
}

std::size_t GoroutineTable::KeyHash::operator()(const Key& k) const noexcept {
  return mix(mix(std::hash<GoId>{}(k.id), k.created_at), std::hash<std::string>{}(k.name));
}

InfoId GoroutineTable::intern(GoId id, std::string_view name, FrameId created_at) {
  Key key{id, created_at, std::string(name)};
  auto [it, inserted] = index_.try_emplace(std::move(key), static_cast<InfoId>(infos_.size()));
  if (inserted) infos_.push_back({id, std::string(name), created_at});
  return it->second;
}

std::vector<InfoId> GoroutineTable::compact(const std::vector<bool>& keep) {
  std::vector<InfoId> remap(infos_.size(), kDropped);
  std::vector<GoroutineInfo> kept;
  index_.clear();
  for (InfoId i = 0; i < infos_.size(); ++i) {
    if (!keep[i]) continue;
    remap[i] = static_cast<InfoId>(kept.size());
    index_.emplace(Key{infos_[i].id, infos_[i].created_at, infos_[i].name}, remap[i]);
    kept.push_back(std::move(infos_[i]));
  }
  infos_ = std::move(kept);
  return remap;
}

void GoroutineTable::clear() {
  infos_.clear();
  index_.clear();
}

}  // namespace weft::det
