// vector_clock.cpp — the shared-base + delta representation of VectorClock.
// Invariant: get(s) == max(base_[s], delta_[s]); a base is never written while another clock
// shares it (join_dense raises one in place only when it is ours alone, under a new id).
#include "vector_clock.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <initializer_list>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
constexpr std::size_t kMaxCovers = ClockBase::kMaxCovers;

std::uint64_t next_base_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}
std::uint64_t next_chain_id() {
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

// out := a ⊔ b, all sorted by slot, leaving out b's entries that a lacks and base holds
// (one lookup each; a dense base's is one load).
void merge_into_above(const std::vector<ClockEntry>& a, const std::vector<ClockEntry>& b,
                      const ClockBase& base, std::vector<ClockEntry>& out) {
  out.clear();
  out.reserve(a.size() + b.size());
  const Clock* dv = base.dense.empty() ? nullptr : base.dense.data();
  const std::size_t dn = base.dense.size();
  auto above = [&](const ClockEntry& e) {
    if (dv != nullptr) return e.slot >= dn || e.value > dv[e.slot];
    return e.value > lookup(base.entries, e.slot);
  };
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->slot < j->slot) {
      out.push_back(*i++);
    } else if (j->slot < i->slot) {
      if (above(*j)) out.push_back(*j);
      ++j;
    } else {
      out.push_back({i->slot, std::max(i->value, j->value)});
      ++i, ++j;
    }
  }
  out.insert(out.end(), i, a.end());
  for (; j != b.end(); ++j)
    if (above(*j)) out.push_back(*j);
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
    // A dense first source is copied, not cleared and then raised (a compaction's one pass).
    const bool copy_a = a != nullptr && !a->dense.empty();
    if (copy_a) {
      out.dense.reserve(span);
      out.dense.assign(a->dense.begin(), a->dense.end());
      out.dense.resize(span, 0);
    } else {
      out.dense.assign(span, 0);
    }
    std::size_t work = span;
    Clock* o = out.dense.data();
    for (const ClockBase* x : {a, b}) {
      if (x == nullptr || (x == a && copy_a)) continue;
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

// For 8 slots from a and b: bit j set when b[j] > a[j], and in *lower when a[j] > b[j].
// Clocks stay below 2^39 (kMaxClock, shadow_cell.hpp), so the sign of a 64-bit difference
// says which is larger.
unsigned higher_bits(const Clock* a, const Clock* b, unsigned* lower) {
#if defined(__SSE2__)
  unsigned up = 0, down = 0;
  for (unsigned j = 0; j < 8; j += 2) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + j));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + j));
    const int u = _mm_movemask_pd(_mm_castsi128_pd(_mm_sub_epi64(va, vb)));
    const int d = _mm_movemask_pd(_mm_castsi128_pd(_mm_sub_epi64(vb, va)));
    up |= static_cast<unsigned>(u) << j;
    down |= static_cast<unsigned>(d) << j;
  }
  *lower = down;
  return up;
#else
  unsigned up = 0, down = 0;
  for (unsigned j = 0; j < 8; ++j) {
    up |= static_cast<unsigned>((a[j] - b[j]) >> 63) << j;
    down |= static_cast<unsigned>((b[j] - a[j]) >> 63) << j;
  }
  *lower = down;
  return up;
#endif
}

// Whether b[j] > a[j] for some j < 8 (higher_bits without the masks: the usual block, where
// only some slot above matters, costs half as much).
bool any_higher(const Clock* a, const Clock* b) {
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (unsigned j = 0; j < 8; j += 2) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + j));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + j));
    acc = _mm_or_si128(acc, _mm_sub_epi64(va, vb));
  }
  return _mm_movemask_pd(_mm_castsi128_pd(acc)) != 0;
#else
  Clock acc = 0;
  for (unsigned j = 0; j < 8; ++j) acc |= a[j] - b[j];
  return (acc >> 63) != 0;
#endif
}

// Whether a is known to dominate b: the same base, one of b's chain from later on (ids grow
// along a chain, ClockBase::chain), or one that noted b's id or a later id of b's chain.
bool covers(const ClockBase& a, const ClockBase& b) {
  if (&a == &b || a.id == b.id) return true;
  if (b.chain != 0) {
    if (a.chain == b.chain && a.id > b.id) return true;
    for (std::size_t i = 0; i < a.chains_count; ++i)
      if (a.chains[i].chain == b.chain && a.chains[i].id >= b.id) return true;
  }
  return std::find(a.covers, a.covers + a.covers_count, b.id) != a.covers + a.covers_count;
}

// What a base built from `sources` (up to two) is known to dominate: the sources themselves,
// then the oldest (lowest) ids they cover. Oldest first because long-lived bases (a parent's
// snapshot shared by many children) are the ones joins keep meeting again. Its chain: the
// first source's that it ends (claimed), else a new one; then the sources' other chains up
// to their ids, and the latest marks they carry. Computed before `out` is written, so a
// source may be `out` itself (a join in place); `out` gets its id after.
void set_covers(ClockBase& out, std::initializer_list<const ClockBase*> sources) {
  std::uint64_t chain = 0;
  for (const ClockBase* b : sources) {
    if (b != nullptr && b->chain != 0 && !b->extended.exchange(true, std::memory_order_acq_rel)) {
      chain = b->chain;
      break;
    }
  }
  if (chain == 0) chain = next_chain_id();
  using Mark = ClockBase::ChainMark;
  constexpr std::size_t kMaxChains = ClockBase::kMaxChains;
  // Candidates, a chain once each at its highest id; a source's own chain ranks first.
  struct Candidate {
    Mark mark;
    bool own;
  };
  Candidate cand[2 + 2 * kMaxChains];
  std::size_t nc = 0;
  auto add = [&](Mark m, bool own) {
    if (m.chain == 0 || m.chain == chain) return;  // our own chain needs no mark
    for (std::size_t i = 0; i < nc; ++i) {
      if (cand[i].mark.chain == m.chain) {
        cand[i].mark.id = std::max(cand[i].mark.id, m.id);
        cand[i].own |= own;
        return;
      }
    }
    cand[nc++] = {m, own};
  };
  for (const ClockBase* b : sources) {
    if (b == nullptr) continue;
    add({b->chain, b->id}, true);
    for (std::size_t i = 0; i < b->chains_count; ++i) add(b->chains[i], false);
  }
  // Insertion sort, the sources' chains first, then the latest (a few elements; std::sort
  // on the fixed array trips GCC 12's -Warray-bounds).
  for (std::size_t i = 1; i < nc; ++i) {
    const Candidate c = cand[i];
    std::size_t j = i;
    for (; j > 0 && (cand[j - 1].own != c.own ? c.own : c.mark.id > cand[j - 1].mark.id);
         --j)
      cand[j] = cand[j - 1];
    cand[j] = c;
  }
  out.chains_count = std::min(nc, kMaxChains);
  for (std::size_t i = 0; i < out.chains_count; ++i) out.chains[i] = cand[i].mark;
  out.chain = chain;
  out.extended.store(false, std::memory_order_relaxed);  // the new end of its chain

  std::uint64_t ids[kMaxCovers];
  std::size_t n = 0;
  std::uint64_t inherited[2 * kMaxCovers];
  std::size_t m = 0;
  for (const ClockBase* b : sources) {
    if (b == nullptr) continue;
    ids[n++] = b->id;
    for (std::size_t i = 0; i < b->covers_count; ++i) inherited[m++] = b->covers[i];
  }
  std::sort(inherited, inherited + m);
  for (std::size_t i = 0; i < m && n < kMaxCovers; ++i) {
    if (std::find(ids, ids + n, inherited[i]) == ids + n) ids[n++] = inherited[i];
  }
  std::copy(ids, ids + n, out.covers);
  out.covers_count = n;
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
  return (base_ && covers(*base_, b)) || seen(b.id);
}

std::size_t VectorClock::join_slow(const VectorClock& o) {
  if (&o == this) return 0;
  std::size_t work = 0;
  if (o.base_ && !base_dominates(*o.base_)) {
    forget_memo();
    if (!base_ || covers(*o.base_, *base_)) {
      base_ = o.base_;  // o's base dominates ours: adopt it, our delta still overrides
    } else if (!base_->dense.empty() && !o.base_->dense.empty() && join_dense(o.base_, work)) {
      // Joined without building a base (see join_dense).
    } else {
      // Unrelated bases: build one that dominates both (and holds our delta).
      auto merged = std::make_shared<ClockBase>();
      work += build_base(base_.get(), o.base_.get(), delta_, *merged);
      set_covers(*merged, {base_.get(), o.base_.get()});
      merged->id = next_base_id();
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
    // Into a scratch vector kept by the thread, swapped with ours: no allocation per join.
    thread_local std::vector<ClockEntry> out;
    if (base_ != nullptr && base_ != o.base_) {
      // Our base dominates o's (or was just built from it): it may hold much of o's delta
      // (a WaitGroup joining goroutines whose deltas list the mutex's recent holders, which
      // the WaitGroup's base, built from a later holder's, knows). Kept, those entries would
      // fill our delta and fold it into a new base of O(n) every join or two.
      merge_into_above(delta_, o.delta_, *base_, out);
    } else {
      merge_into(delta_, o.delta_, out);
    }
    delta_.swap(out);
    work += delta_.size();
    if (delta_.size() > max_delta(base_.get())) work += compact();
  }
  return work;
}

// Two dense bases that do not cover each other (every join of a run whose clocks span many
// reused slots: weft_stress's senders and consumers, whose bases are all built apart). One
// pass finds the slots where o's base is above ours; most joins of such clocks differ in a
// few (the other side learned a few goroutines' newer epochs since the two last met), and
// then no base is built:
//  - o's base adds at most a delta's room of entries: they go into our delta, and o's base
//    is noted as seen (a later join with a clock on it merges deltas only);
//  - else, if ours is nowhere above o's, we adopt o's base (shared: later joins with clocks
//    on it take the O(delta) path); our delta still overrides it;
//  - else, when no other clock shares our base, it is raised in place (under a new id: bases
//    that listed the old one as covered do not cover the new values);
//  - else false: the caller builds a merged base.
// The cost is a few vector operations per 8 slots and no allocation, against an allocation,
// a clear and two passes for a built base. (Adopting o's base when ours is above it in a few
// slots, those going into the delta, was tried: looking for them cost more than it saved.)
bool VectorClock::join_dense(const std::shared_ptr<const ClockBase>& op, std::size_t& work) {
  const ClockBase& ob = *op;
  const Clock* a = base_->dense.data();
  const Clock* b = ob.dense.data();
  const std::size_t na = base_->dense.size(), nb = ob.dense.size();
  const std::size_t common = std::min(na, nb);
  const std::size_t room = max_delta(base_.get()) > delta_.size()
                               ? max_delta(base_.get()) - delta_.size() : 0;
  thread_local std::vector<ClockEntry> up;
  up.clear();
  up.reserve(room + 1);
  bool ours_above = false;  // some slot of our base is above o's
  // By blocks of 8 slots, each compared at once into bit masks (higher_bits): a block costs
  // a few vector operations, with a branch only per slot where o's base is higher.
  constexpr std::size_t kBlock = 8;
  std::size_t i = 0;
  for (; i + kBlock <= common; i += kBlock) {
    // Once some slot of ours is above o's, only o's higher slots are looked for.
    if (ours_above && !any_higher(a + i, b + i)) continue;
    unsigned lower = 0;
    for (unsigned higher = higher_bits(a + i, b + i, &lower);
         higher != 0 && up.size() <= room; higher &= higher - 1) {
      const std::size_t j = i + static_cast<std::size_t>(std::countr_zero(higher));
      up.push_back({static_cast<Slot>(j), b[j]});
    }
    ours_above |= lower != 0;
    if (up.size() > room && ours_above) break;  // neither fits: stop looking
  }
  if (i + kBlock > common) {
    for (; i < common; ++i) {
      if (b[i] > a[i]) {
        if (up.size() <= room) up.push_back({static_cast<Slot>(i), b[i]});
      } else if (a[i] > b[i]) {
        ours_above = true;
      }
    }
    for (std::size_t j = common; j < nb && up.size() <= room; ++j)
      if (b[j] != 0) up.push_back({static_cast<Slot>(j), b[j]});
    for (std::size_t j = common; j < na && !ours_above; ++j) ours_above = a[j] != 0;
  }
  work += i;
  if (up.size() <= room) {
    merge_delta(up);
    note_seen(ob.id);
    work += up.size();
    return true;
  }
  if (!ours_above) {
    note_seen(base_->id);
    base_ = op;
    return true;
  }
  if (base_.use_count() == 1) {
    // Ours alone: built by make_shared<ClockBase> (not const), so it may be written.
    auto& mine = const_cast<ClockBase&>(*base_);
    set_covers(mine, {&mine, &ob});
    mine.id = next_base_id();
    if (nb > na) mine.dense.resize(nb, 0);
    Clock* d = mine.dense.data();
    for (std::size_t j = 0; j < nb; ++j) d[j] = d[j] < b[j] ? b[j] : d[j];
    work += nb;
    return true;
  }
  return false;
}

void VectorClock::merge_delta(const std::vector<ClockEntry>& entries) {
  if (entries.empty()) return;
  if (entries.size() <= 4) {
    for (const ClockEntry& e : entries) set(e.slot, e.value);
    return;
  }
  forget_memo();
  thread_local std::vector<ClockEntry> out;
  merge_into(delta_, entries, out);
  delta_.swap(out);
}

std::size_t VectorClock::compact() {
  auto merged = std::make_shared<ClockBase>();
  build_base(base_.get(), nullptr, delta_, *merged);
  set_covers(*merged, {base_.get()});
  merged->id = next_base_id();
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
  copy_seen(o);
  return work + delta_.size();
}

void VectorClock::copy_seen_slow(const VectorClock& o) {
  for (unsigned i = 0; i < kSeen; ++i) seen_[i] = o.seen_[i];
  seen_next_ = o.seen_next_;
}

std::size_t VectorClock::copy_as_is(const VectorClock& o) {
  if (&o == this) return 0;
  if (base_ != o.base_) base_ = o.base_;
  delta_.assign(o.delta_.begin(), o.delta_.end());
  for (unsigned i = 0; i < 2; ++i) {
    memo_slot_[i] = o.memo_slot_[i];
    memo_value_[i] = o.memo_value_[i];
  }
  copy_seen(o);
  return delta_.size();
}

void VectorClock::clear() {
  forget_memo();
  for (std::uint64_t& id : seen_) id = 0;
  seen_next_ = 0;
  base_.reset();
  delta_.clear();
}

std::size_t VectorClock::stored_entries() const {
  return delta_.size() + (base_ ? base_->size() : 0);
}

}  // namespace weft::det
