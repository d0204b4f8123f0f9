// frames.cpp — FrameTrie and GoroutineTable.
#include "frames.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace weft::det {

std::string qualified_function_name(std::string_view p) {
  if (std::size_t with = p.find(" [with "); with != std::string_view::npos) p = p.substr(0, with);
  // Drop every parenthesised group (parameter lists, the `()` of `<lambda()>`) and, after
  // the last one, trailing qualifiers such as ` const` or ` &&`.
  std::string s;
  std::size_t last_group_end = std::string::npos;
  int depth = 0;
  for (char c : p) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth < 0) return {};
      if (depth == 0) last_group_end = s.size();
    } else if (depth == 0) {
      s += c;
    }
  }
  if (depth != 0) return {};
  if (last_group_end != std::string::npos &&
      s.find_first_of(":>", last_group_end) == std::string::npos)
    s.resize(last_group_end);
  // Drop template argument lists, but keep `<lambda>`.
  std::string t;
  depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (depth == 0 && s.compare(i, 8, "<lambda>") == 0) {
      t += "<lambda>";
      i += 7;
    } else if (s[i] == '<') {
      ++depth;
    } else if (s[i] == '>') {
      if (--depth < 0) return {};
    } else if (depth == 0) {
      t += s[i];
    }
  }
  if (depth != 0) return {};
  // The return type ends at the last space.
  while (!t.empty() && t.back() == ' ') t.pop_back();
  if (std::size_t space = t.rfind(' '); space != std::string::npos) t.erase(0, space + 1);
  // GCC's anonymous namespace.
  for (std::size_t at; (at = t.find("{anonymous}")) != std::string::npos;)
    t.replace(at, 11, "(anonymous namespace)");
  return t;
}

bool same_function_name(std::string_view frame, std::string_view at) {
  if (frame.empty() || at.empty()) return false;
  return frame == at || (at.find('(') != std::string_view::npos &&
                         qualified_function_name(at) == frame);
}

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
  return mix(mix(mix(std::hash<GoId>{}(k.id), k.parent), k.created_at),
             std::hash<std::string>{}(k.name));
}

InfoId GoroutineTable::intern(GoId id, std::string_view name, GoId parent, FrameId created_at) {
  Key key{id, parent, created_at, std::string(name)};
  auto [it, inserted] = index_.try_emplace(std::move(key), static_cast<InfoId>(infos_.size()));
  if (inserted) infos_.push_back({id, std::string(name), parent, created_at});
  return it->second;
}

std::vector<InfoId> GoroutineTable::compact(const std::vector<bool>& keep) {
  std::vector<InfoId> remap(infos_.size(), kDropped);
  std::vector<GoroutineInfo> kept;
  index_.clear();
  for (InfoId i = 0; i < infos_.size(); ++i) {
    if (!keep[i]) continue;
    remap[i] = static_cast<InfoId>(kept.size());
    index_.emplace(Key{infos_[i].id, infos_[i].parent, infos_[i].created_at, infos_[i].name},
                   remap[i]);
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
