// vector_clock.cpp — the shared-base + delta representation of VectorClock.
// Invariant: get(s) == max(base_[s], delta_[s]); a base is never mutated once built.
#include "vector_clock.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <initializer_list>

namespace weft::det {
namespace {

// Folding a delta into a new base costs O(base); copying or merging a delta costs O(delta).
// Letting the delta grow to about sqrt(base) balances the two: a chain of n goroutines that
// each join and copy the previous one's clock (a mutex handed along) costs O(n^1.5) in all,
// not O(n^2).
std::size_t isqrt(std::size_t n) {
  return static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
}
// A delta larger than this is folded into a new base.
std::size_t max_delta(const ClockBase* base) {
  return std::max<std::size_t>(64, 2 * isqrt(base ? base->size() : 0));
}
// copy_from() folds the source's delta first when it is larger than this.
std::size_t max_copied_delta(const ClockBase* base) {
  return std::max<std::size_t>(16, isqrt(base ? base->size() : 0));
}
// How many dominated base ids a base remembers.
constexpr std::size_t kMaxCovers = 8;

std::uint64_t next_base_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Clock lookup(const std::vector<ClockEntry>& v, Slot s) {
  auto it = std::lower_bound(v.begin(), v.end(), s,
                             [](const ClockEntry& e, Slot x) { return e.slot < x; });
  return it != v.end() && it->slot == s ? it->value : 0;
}

// out := a ⊔ b, all sorted by slot.
void merge_into(const std::vector<ClockEntry>& a, const std::vector<ClockEntry>& b,
                std::vector<ClockEntry>& out) {
  out.clear();
  out.reserve(a.size() + b.size());
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->slot < j->slot) {
      out.push_back(*i++);
    } else if (j->slot < i->slot) {
      out.push_back(*j++);
    } else {
      out.push_back({i->slot, std::max(i->value, j->value)});
      ++i, ++j;
    }
  }
  out.insert(out.end(), i, a.end());
  out.insert(out.end(), j, b.end());
}

Clock base_get(const ClockBase& b, Slot s) {
  if (!b.dense.empty()) return s < b.dense.size() ? b.dense[s] : 0;
  return lookup(b.entries, s);
}

// out := a ⊔ b ⊔ delta (a and b may be null), dense when at least about half the slots below
// the highest have an entry, sorted pairs otherwise. Returns the entries written or merged.
std::size_t build_base(const ClockBase* a, const ClockBase* b,
                       const std::vector<ClockEntry>& delta, ClockBase& out) {
  std::size_t span = 0, count = delta.size();
  for (const ClockBase* x : {a, b}) {
    if (x == nullptr) continue;
    const std::size_t end = !x->dense.empty()     ? x->dense.size()
                            : !x->entries.empty() ? x->entries.back().slot + std::size_t{1}
                                                  : 0;
    span = std::max(span, end);
    count = std::max(count, x->size());
  }
  if (!delta.empty()) span = std::max<std::size_t>(span, delta.back().slot + std::size_t{1});
  if (span <= 2 * count + 16) {
    out.dense.assign(span, 0);
    std::size_t work = span;
    Clock* o = out.dense.data();
    for (const ClockBase* x : {a, b}) {
      if (x == nullptr) continue;
      if (!x->dense.empty()) {
        const Clock* v = x->dense.data();
        const std::size_t n = x->dense.size();
        for (std::size_t i = 0; i < n; ++i) o[i] = o[i] < v[i] ? v[i] : o[i];
      } else {
        for (const ClockEntry& e : x->entries) o[e.slot] = std::max(o[e.slot], e.value);
        work += x->entries.size();
      }
    }
    for (const ClockEntry& e : delta) o[e.slot] = std::max(o[e.slot], e.value);
    return work + delta.size();
  }
  // Sparse: dense inputs (rare here) are listed first.
  std::vector<ClockEntry> none, listed[2];
  auto pairs = [&](const ClockBase* x, std::vector<ClockEntry>& v) -> const std::vector<ClockEntry>& {
    if (x == nullptr) return none;
    if (x->dense.empty()) return x->entries;
    for (std::size_t s = 0; s < x->dense.size(); ++s)
      if (x->dense[s] != 0) v.push_back({static_cast<Slot>(s), x->dense[s]});
    return v;
  };
  if (b == nullptr) {
    merge_into(pairs(a, listed[0]), delta, out.entries);
    return out.entries.size();
  }
  std::vector<ClockEntry> tmp;
  merge_into(pairs(a, listed[0]), pairs(b, listed[1]), tmp);
  merge_into(tmp, delta, out.entries);
  return tmp.size() + out.entries.size();
}

bool covers(const ClockBase& a, const ClockBase& b) {
  return &a == &b || a.id == b.id ||
         std::find(a.covers.begin(), a.covers.end(), b.id) != a.covers.end();
}

// The covers list of a base built from `sources`: the sources themselves, then the oldest
// (lowest) ids they cover. Oldest first because long-lived bases (a parent's snapshot shared
// by many children) are the ones joins keep meeting again.
std::vector<std::uint64_t> covers_of(std::initializer_list<const ClockBase*> sources) {
  std::vector<std::uint64_t> inherited;
  std::vector<std::uint64_t> out;
  for (const ClockBase* b : sources) {
    if (b == nullptr) continue;
    out.push_back(b->id);
    inherited.insert(inherited.end(), b->covers.begin(), b->covers.end());
  }
  std::sort(inherited.begin(), inherited.end());
  for (std::uint64_t id : inherited) {
    if (out.size() >= kMaxCovers) break;
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

}  // namespace

Clock VectorClock::get_slow(Slot s) const {
  Clock d = lookup(delta_, s);
  const Clock v = base_ ? std::max(d, base_get(*base_, s)) : d;
  const unsigned i = memo_next_++ & 1;
  memo_slot_[i] = s;
  memo_value_[i] = v;
  return v;
}

std::size_t VectorClock::set_slow(Slot s, Clock v) {
  raise_memo(s, v);  // compact() below keeps every value
  // A goroutine's tick sets its own slot, in a delta of a few entries: a short walk.
  auto it = delta_.begin();
  if (delta_.size() <= 8) {
    while (it != delta_.end() && it->slot < s) ++it;
  } else {
    it = std::lower_bound(delta_.begin(), delta_.end(), s,
                          [](const ClockEntry& e, Slot x) { return e.slot < x; });
  }
  if (it != delta_.end() && it->slot == s) {
    it->value = std::max(it->value, v);
    return 1;
  }
  delta_.insert(it, {s, v});
  if (delta_.size() > max_delta(base_.get())) return 1 + compact();
  return 1;
}

bool VectorClock::base_dominates(const ClockBase& b) const {
  return base_ && covers(*base_, b);
}

std::size_t VectorClock::join_slow(const VectorClock& o) {
  if (&o == this) return 0;
  std::size_t work = 0;
  if (o.base_ && !base_dominates(*o.base_)) {
    forget_memo();
    if (!base_ || covers(*o.base_, *base_)) {
      base_ = o.base_;  // o's base dominates ours: adopt it, our delta still overrides
    } else {
      // Unrelated bases: build one that dominates both (and holds our delta).
      auto merged = std::make_shared<ClockBase>();
      work += build_base(base_.get(), o.base_.get(), delta_, *merged);
      merged->id = next_base_id();
      merged->covers = covers_of({base_.get(), o.base_.get()});
      base_ = std::move(merged);
      delta_.clear();
    }
  }
  // Usual case (a mutex handed between a few goroutines): every slot of o's delta is already
  // in ours, so one merge walk raising values does it, with no search and no insertion (and
  // the remembered components raised with them).
  const bool all_present = raise_present(o);
  work += o.delta_.size();
  if (all_present) return work;
  forget_memo();
  if (o.delta_.size() <= 4) {
    for (const ClockEntry& e : o.delta_) work += set(e.slot, e.value);
  } else {
    std::vector<ClockEntry> out;
    merge_into(delta_, o.delta_, out);
    delta_.swap(out);
    work += delta_.size();
    if (delta_.size() > max_delta(base_.get())) work += compact();
  }
  return work;
}

std::size_t VectorClock::compact() {
  auto merged = std::make_shared<ClockBase>();
  build_base(base_.get(), nullptr, delta_, *merged);
  merged->id = next_base_id();
  merged->covers = covers_of({base_.get()});
  const std::size_t work = merged->size();
  base_ = std::move(merged);
  delta_.clear();
  return work;
}

std::size_t VectorClock::copy_slow(VectorClock& o) {
  if (&o == this) return 0;
  std::size_t work = 0;
  // (max_copied_delta is at least 16: the common small delta skips its square root.)
  if (o.delta_.size() > 16 && o.delta_.size() > max_copied_delta(o.base_.get()))
    work += o.compact();
  // The steady state of a lock handed between a few goroutines: the same base (often none)
  // and a delta of the same slots. No reference count is touched when the base is already
  // ours, and a delta of the same length is overwritten in place.
  if (base_ != o.base_) base_ = o.base_;
  if (delta_.size() == o.delta_.size()) {
    std::copy(o.delta_.begin(), o.delta_.end(), delta_.begin());
  } else {
    delta_ = o.delta_;
  }
  // Equal values now: o's remembered components are ours.
  for (unsigned i = 0; i < 2; ++i) {
    memo_slot_[i] = o.memo_slot_[i];
    memo_value_[i] = o.memo_value_[i];
  }
  return work + delta_.size();
}

void VectorClock::clear() {
  forget_memo();
  base_.reset();
  delta_.clear();
}

std::size_t VectorClock::stored_entries() const {
  return delta_.size() + (base_ ? base_->size() : 0);
}

}  // namespace weft::det
