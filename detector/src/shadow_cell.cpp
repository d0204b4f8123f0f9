// shadow_cell.cpp — FastTrack's read and write rules on one granule's entries (see
// shadow_cell.hpp for the representation and its invariants).
#include "shadow_cell.hpp"

#include <algorithm>
#include <atomic>
#include <bit>

namespace weft::det {
namespace {

// Spills alive in all shadows of the process: when there are none, a shadow being cleared
// need not visit its cells.
std::atomic<std::size_t> live_spills{0};

Spill* new_spill() {
  live_spills.fetch_add(1, std::memory_order_relaxed);
  return new Spill;
}

void delete_spill(Spill* sp) {
  if (sp == nullptr) return;
  live_spills.fetch_sub(1, std::memory_order_relaxed);
  delete sp;
}

[[gnu::always_inline]] inline bool happens_before(const Stamp& s, const Accessor& who) {
  return cell_happens_before(s, who);
}

// Keeps in *best the conflict at the lowest byte: e conflicts with the access if their bytes
// overlap, one of them writes, not both are atomic, and e does not happen before it.
// Inlined: called per entry on every recorded access that is not a repeat.
[[gnu::always_inline]] inline void check(const Entry& e, unsigned mask, Access kind,
                                         const Accessor& who, CellConflict* best, bool* found) {
  const unsigned overlap = e.mask & mask;
  if (overlap == 0 || !conflicting(e.kind, kind)) return;
  const auto byte = static_cast<unsigned>(std::countr_zero(overlap));
  if (*found && byte >= best->byte) return;
  if (happens_before(e.stamp, who)) return;
  *best = CellConflict{e.stamp, e.kind, byte};
  *found = true;
}

// The rules on a small list of entries (an inline cell, plus room for the new one).
struct Small {
  Entry e[Cell::kInline + 1];
  unsigned n = 0;

  void drop_empty() {
    unsigned out = 0;
    for (unsigned i = 0; i < n; ++i) {
      if (e[i].mask != 0) e[out++] = e[i];
    }
    n = out;
  }
  void add(const Stamp& s, unsigned mask, Access kind) {
    for (unsigned i = 0; i < n; ++i) {
      if (e[i].kind == kind && e[i].stamp == s) {
        e[i].mask = static_cast<std::uint8_t>(e[i].mask | mask);
        return;
      }
    }
    e[n++] = Entry{s, static_cast<std::uint8_t>(mask), kind};
  }
};

Small load(const Cell& c) {
  Small s;
  for (unsigned i = 0; i < c.n; ++i) s.e[i] = Entry{c.stamp[i], c.mask[i], c.kind[i]};
  s.n = c.n;
  return s;
}

void store_inline(Cell& c, const Entry* e, unsigned n) {
  for (unsigned i = 0; i < n; ++i) {
    c.stamp[i] = e[i].stamp;
    c.mask[i] = e[i].mask;
    c.kind[i] = e[i].kind;
  }
  c.n = static_cast<std::uint8_t>(n);
}

void store(Cell& c, const Small& s) {
  if (s.n <= Cell::kInline) {
    store_inline(c, s.e, s.n);
    return;
  }
  Spill* sp = new_spill();
  sp->reads.reserve(8);
  for (unsigned i = 0; i < s.n; ++i) {
    (kept_as_read(s.e[i].kind) ? sp->reads : sp->writes).push_back(s.e[i]);
    sp->atomic_writes = sp->atomic_writes || (is_atomic(s.e[i].kind) && writes(s.e[i].kind));
  }
  c.spill = sp;
  c.n = 0;
}

// Back inline when the entries fit again.
void maybe_unspill(Cell& c) {
  Spill& sp = *c.spill;
  if (sp.writes.size() + sp.reads.size() > Cell::kInline) return;
  Entry e[Cell::kInline];
  unsigned n = 0;
  for (const Entry& w : sp.writes) e[n++] = w;
  for (const Entry& r : sp.reads) e[n++] = r;
  delete_spill(c.spill);
  c.spill = nullptr;
  store_inline(c, e, n);
}

bool access_inline(Cell& c, unsigned mask, Access kind, const Accessor& who,
                   CellConflict* conflict) {
  Small s = load(c);
  bool found = false;
  for (unsigned i = 0; i < s.n; ++i) check(s.e[i], mask, kind, who, conflict, &found);
  for (unsigned i = 0; i < s.n; ++i) {
    Entry& e = s.e[i];
    if ((e.mask & mask) == 0) continue;
    // A plain write ends every earlier state of its bytes; a read or an atomic access ends
    // the entries ordered before it that it covers.
    if (!kept_as_read(kind) ||
        (kept_as_read(e.kind) && covers(kind, e.kind) && happens_before(e.stamp, who))) {
      e.mask = static_cast<std::uint8_t>(e.mask & ~mask);
    }
  }
  s.drop_empty();
  s.add(who.stamp, mask, kind);
  store(c, s);
  return found;
}

// access_inline for a read, in place (no copy of the entries): check the writes, drop the
// bytes of reads ordered before this one, then merge with an identical stamp or append. Falls
// back to access_inline when a fourth entry is needed.
bool read_inline(Cell& c, unsigned mask, const Accessor& who, CellConflict* conflict) {
  bool found = false, dropped = false;
  int same = -1;
  for (unsigned i = 0; i < c.n; ++i) {
    if (c.kind[i] == Access::read && c.stamp[i] == who.stamp) {
      same = static_cast<int>(i);
      continue;
    }
    if ((c.mask[i] & mask) == 0) continue;
    if (c.kind[i] != Access::read) {
      check(Entry{c.stamp[i], c.mask[i], c.kind[i]}, mask, Access::read, who, conflict, &found);
    } else if (happens_before(c.stamp[i], who)) {
      c.mask[i] = static_cast<std::uint8_t>(c.mask[i] & ~mask);
      dropped |= c.mask[i] == 0;
    }
  }
  if (same >= 0) {
    c.mask[same] = static_cast<std::uint8_t>(c.mask[same] | mask);
  } else if (dropped) {
    // Reuse the first emptied entry, then close any other gaps.
    unsigned out = 0;
    bool placed = false;
    for (unsigned i = 0; i < c.n; ++i) {
      if (c.mask[i] == 0 && !placed) {
        c.stamp[i] = who.stamp;
        c.mask[i] = static_cast<std::uint8_t>(mask);
        c.kind[i] = Access::read;
        placed = true;
      } else if (c.mask[i] == 0) {
        continue;
      }
      if (out != i) {
        c.stamp[out] = c.stamp[i];
        c.mask[out] = c.mask[i];
        c.kind[out] = c.kind[i];
      }
      ++out;
    }
    c.n = static_cast<std::uint8_t>(out);
  } else if (c.n < Cell::kInline) {
    c.stamp[c.n] = who.stamp;
    c.mask[c.n] = static_cast<std::uint8_t>(mask);
    c.kind[c.n] = Access::read;
    ++c.n;
  } else {
    CellConflict unused;
    access_inline(c, mask, Access::read, who, &unused);  // spills; the verdict is ours
  }
  return found;
}

// Keeps, per slot and kind, each byte's latest read only (older reads of a slot happen
// before its later ones), then makes sure at least half of the capacity is free again:
// O(log n) amortised per read.
void compact_reads(std::vector<Entry>& reads) {
  std::stable_sort(reads.begin(), reads.end(), [](const Entry& a, const Entry& b) {
    if (a.stamp.slot() != b.stamp.slot()) return a.stamp.slot() < b.stamp.slot();
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.stamp.clock() > b.stamp.clock();
  });
  auto out = reads.begin();
  Slot slot = 0;
  Access kind = Access::read;
  unsigned covered = 0;
  for (auto it = reads.begin(); it != reads.end(); ++it) {
    if (it == reads.begin() || it->stamp.slot() != slot || it->kind != kind) {
      slot = it->stamp.slot();
      kind = it->kind;
      covered = 0;
    }
    const unsigned left = it->mask & ~covered;
    covered |= it->mask;
    if (left != 0) {
      *out = *it;
      out->mask = static_cast<std::uint8_t>(left);
      ++out;
    }
  }
  reads.erase(out, reads.end());
  if (reads.size() * 2 > reads.capacity()) reads.reserve(reads.capacity() * 2);
}

void forget(std::vector<Entry>& v, unsigned mask) {
  for (Entry& e : v) e.mask = static_cast<std::uint8_t>(e.mask & ~mask);
  std::erase_if(v, [](const Entry& e) { return e.mask == 0; });
}

// An atomic access of a spilled cell: checked against every entry, then kept as a read is,
// ending the reads ordered before it that it covers.
bool atomic_spilled(Cell& c, unsigned mask, Access kind, const Accessor& who,
                    CellConflict* conflict) {
  Spill& sp = *c.spill;
  bool found = false;
  for (const Entry& w : sp.writes) check(w, mask, kind, who, conflict, &found);
  for (const Entry& r : sp.reads) check(r, mask, kind, who, conflict, &found);
  for (Entry& r : sp.reads) {
    if ((r.mask & mask) != 0 && covers(kind, r.kind) && happens_before(r.stamp, who))
      r.mask = static_cast<std::uint8_t>(r.mask & ~mask);
  }
  std::erase_if(sp.reads, [](const Entry& e) { return e.mask == 0; });
  if (sp.reads.size() == sp.reads.capacity()) compact_reads(sp.reads);
  sp.reads.push_back(Entry{who.stamp, static_cast<std::uint8_t>(mask), kind});
  sp.atomic_writes = sp.atomic_writes || writes(kind);
  maybe_unspill(c);
  return found;
}

bool access_spilled(Cell& c, unsigned mask, Access kind, const Accessor& who,
                    CellConflict* conflict) {
  Spill& sp = *c.spill;
  bool found = false;
  if (is_atomic(kind)) return atomic_spilled(c, mask, kind, who, conflict);
  if (kind == Access::read) {
    if (!sp.reads.empty()) {
      const Entry& last = sp.reads.back();
      if (last.stamp.epoch == who.stamp.epoch && last.kind == Access::read &&
          (last.mask & mask) == mask)
        return false;
    }
    for (const Entry& w : sp.writes) check(w, mask, kind, who, conflict, &found);
    if (sp.atomic_writes) {  // atomic stores and RMWs race with a plain read
      for (const Entry& r : sp.reads)
        if (writes(r.kind)) check(r, mask, kind, who, conflict, &found);
    }
    if (!sp.reads.empty()) {
      Entry& last = sp.reads.back();
      if (last.stamp == who.stamp && last.kind == Access::read) {
        last.mask = static_cast<std::uint8_t>(last.mask | mask);
        return found;
      }
      if (last.stamp.slot() == who.slot && covers(kind, last.kind)) {
        last.mask = static_cast<std::uint8_t>(last.mask & ~mask);
        if (last.mask == 0) sp.reads.pop_back();
      }
    }
    if (sp.reads.size() == sp.reads.capacity()) compact_reads(sp.reads);
    sp.reads.push_back(Entry{who.stamp, static_cast<std::uint8_t>(mask), kind});
    return found;
  }
  for (const Entry& w : sp.writes) check(w, mask, kind, who, conflict, &found);
  for (const Entry& r : sp.reads) check(r, mask, kind, who, conflict, &found);
  forget(sp.writes, mask);
  forget(sp.reads, mask);
  auto same = std::find_if(sp.writes.begin(), sp.writes.end(), [&](const Entry& e) {
    return e.kind == kind && e.stamp == who.stamp;
  });
  if (same != sp.writes.end()) {
    same->mask = static_cast<std::uint8_t>(same->mask | mask);
  } else {
    sp.writes.push_back(Entry{who.stamp, static_cast<std::uint8_t>(mask), kind});
  }
  maybe_unspill(c);
  return found;
}

}  // namespace

bool cell_read(Cell& c, unsigned mask, const Accessor& who, CellConflict* conflict) {
  return read_inline(c, mask, who, conflict);
}

bool cell_access_general(Cell& c, unsigned mask, Access kind, const Accessor& who,
                         CellConflict* conflict) {
  if (c.spill != nullptr) return access_spilled(c, mask, kind, who, conflict);
  if (c.n == 0) return cell_start(c, mask, kind, who);
  // Atomic accesses take the general rules (no same-epoch exit: they are rare, and each is a
  // scheduling point anyway).
  if (is_atomic(kind)) return access_inline(c, mask, kind, who, conflict);
  // Same epoch (FastTrack's first exit): a read whose bytes this epoch already read or wrote,
  // or a write whose bytes hold nothing but this epoch's write (plain accesses: an atomic
  // one does not conflict with all that a plain one does).
  const std::uint64_t epoch = who.stamp.epoch;
  if (kind == Access::read) {
    for (unsigned i = 0; i < c.n; ++i) {
      if (c.stamp[i].epoch == epoch && !is_atomic(c.kind[i]) && (c.mask[i] & mask) == mask)
        return false;
    }
    return read_inline(c, mask, who, conflict);
  }
  if (c.n == 1 && c.stamp[0].epoch == epoch && !kept_as_read(c.kind[0]) &&
             (c.mask[0] & mask) == mask) {
    return false;
  }
  // The same epoch's write of other bytes at the same site (the halves of a granule filled
  // by 4-byte stores, a struct's fields): one entry covers them all, as access_inline would
  // leave it.
  if (c.n == 1 && c.kind[0] == kind && c.stamp[0] == who.stamp) {
    c.mask[0] = static_cast<std::uint8_t>(c.mask[0] | mask);
    return false;
  }
  // A write over all the bytes of a single ordered entry (a counter updated under a lock, a
  // variable rewritten in a later epoch) replaces it.
  if (c.n == 1 && (c.mask[0] & ~mask) == 0 && happens_before(c.stamp[0], who)) {
    c.stamp[0] = who.stamp;
    c.mask[0] = static_cast<std::uint8_t>(mask);
    c.kind[0] = kind;
    return false;
  }
  return access_inline(c, mask, kind, who, conflict);
}

// cell_access() checks a write against every entry (its fast exits apply only when the
// single entry happens before the write, which check() finds as well), writes before reads
// in a spill, keeping the lowest conflicting byte and the first entry on a tie.
bool cell_check_write(const Cell& c, unsigned mask, const Accessor& who,
                      CellConflict* conflict) {
  bool found = false;
  if (c.spill == nullptr) {
    // The usual case at a `delete`: every entry happens before the writer, so none conflicts
    // (the rule below would find the same, byte by byte).
    bool ordered = true;
    for (unsigned i = 0; i < c.n && ordered; ++i) ordered = happens_before(c.stamp[i], who);
    if (ordered) return false;
  } else {
    for (const Entry& w : c.spill->writes) check(w, mask, Access::write, who, conflict, &found);
    for (const Entry& r : c.spill->reads) check(r, mask, Access::write, who, conflict, &found);
    return found;
  }
  for (unsigned i = 0; i < c.n; ++i)
    check(Entry{c.stamp[i], c.mask[i], c.kind[i]}, mask, Access::write, who, conflict, &found);
  return found;
}

bool cell_forget(Cell& c, unsigned mask) {
  if (c.spill != nullptr) {
    forget(c.spill->writes, mask);
    forget(c.spill->reads, mask);
    maybe_unspill(c);
    return c.spill == nullptr && c.n == 0;
  }
  Small s = load(c);
  for (unsigned i = 0; i < s.n; ++i) s.e[i].mask = static_cast<std::uint8_t>(s.e[i].mask & ~mask);
  s.drop_empty();
  store_inline(c, s.e, s.n);
  return c.n == 0;
}

bool any_spills() { return live_spills.load(std::memory_order_relaxed) != 0; }

void cell_destroy(Cell& c) {
  delete_spill(c.spill);
  c.spill = nullptr;
  c.n = 0;
}

bool cell_is_split(const Cell& c) {
  if (c.spill != nullptr) {
    const std::uint8_t first = c.spill->writes.empty() ? c.spill->reads.front().mask
                                                       : c.spill->writes.front().mask;
    auto differs = [&](const Entry& e) { return e.mask != first; };
    return std::any_of(c.spill->writes.begin(), c.spill->writes.end(), differs) ||
           std::any_of(c.spill->reads.begin(), c.spill->reads.end(), differs);
  }
  for (unsigned i = 1; i < c.n; ++i) {
    if (c.mask[i] != c.mask[0]) return true;
  }
  return false;
}

}  // namespace weft::det
