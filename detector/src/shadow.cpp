// shadow.cpp — the paged shadow table: pages by hash, cells from pools, accesses and frees
// split into granules (the rules on a granule are in shadow_cell.cpp).
#include "shadow.hpp"

#include <algorithm>
#include <new>

namespace weft::det {
namespace {

constexpr unsigned kAllBytes = 0xff;

// The bytes of the granule at `base` that [addr, end) covers.
unsigned granule_mask(std::uintptr_t base, std::uintptr_t addr, std::uintptr_t end) {
  const auto lo = static_cast<unsigned>(std::max(addr, base) - base);
  const auto hi = static_cast<unsigned>(std::min<std::uintptr_t>(end - base, 8));
  return (kAllBytes >> (8 - hi)) & (kAllBytes << lo) & kAllBytes;
}

// End of [addr, addr+size), clamped at the top of the address space.
std::uintptr_t range_end(std::uintptr_t addr, std::size_t size) {
  return addr + size < addr ? ~std::uintptr_t{0} : addr + size;
}

}  // namespace

Shadow::Shadow(SameEpochView* view) : ways_(view->ways), cells_(&view->cells) {}

Shadow::~Shadow() { clear(); }


void Shadow::grow_table() {
  std::vector<Bucket> old = std::move(table_);
  table_.assign(old.empty() ? 64 : 2 * old.size(), Bucket{});
  const std::size_t mask = table_.size() - 1;
  for (const Bucket& b : old) {
    if (b.page == nullptr) continue;
    std::size_t i = home(b.key);
    while (table_[i].page != nullptr) i = (i + 1) & mask;
    table_[i] = b;
  }
}

Shadow::Page* Shadow::add_page(std::uintptr_t key) {
  if (2 * (pages_ + 1) > table_.size()) grow_table();
  Page* p = pages_pool_.make();
  p->key = key;
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(key);
  while (table_[i].page != nullptr) i = (i + 1) & mask;
  table_[i] = Bucket{key, p};
  ++pages_;
  return p;
}

// Linear-probing deletion by backward shift: later entries of the probe run move up so that
// every entry stays reachable from its home bucket.
void Shadow::remove_page(Page* p) {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = home(p->key);
  while (table_[i].page != p) i = (i + 1) & mask;
  for (std::size_t j = (i + 1) & mask; table_[j].page != nullptr; j = (j + 1) & mask) {
    const std::size_t h = home(table_[j].key);
    const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (!stays) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = Bucket{};
  --pages_;
  if (last_page_ == p) last_page_ = nullptr;
  SameEpochView::Way& way = ways_[p->key & (SameEpochView::kWays - 1)];
  if (way.key == p->key) way = SameEpochView::Way{};
  for (SameEpochView::Way* ways : extra_ways_) {
    SameEpochView::Way& w = ways[p->key & (SameEpochView::kWays - 1)];
    if (w.key == p->key) __atomic_store_n(&w.key, SameEpochView::kNoPage, __ATOMIC_RELAXED);
  }
  pages_pool_.release(p);
}

Shadow::Page& Shadow::page_at(std::uintptr_t key) {
  if (last_page_ == nullptr || last_key_ != key) {
    Page* p = find(key);
    remember(p != nullptr ? p : add_page(key), key);
  }
  return *last_page_;
}

bool Shadow::access_granule(Page& p, std::uintptr_t base, unsigned mask, Access kind,
                            const Accessor& who, CellConflict* out) {
  return access_granule_now(p, base, mask, kind, who, out);
}

std::optional<Conflict> Shadow::access(std::uintptr_t addr, std::size_t size, Access kind,
                                       const Accessor& who) {
  std::optional<Conflict> result;
  if (size == 0) return result;
  if (pending_) flush_pending();
  const std::uintptr_t end = range_end(addr, size);
  if ((addr & 7) + size <= 8) {  // the common case: inside one granule
    const std::uintptr_t base = addr & ~std::uintptr_t{7};
    const unsigned mask = ((1u << size) - 1) << (addr & 7);
    CellConflict c;
    if (access_granule(page_at(addr >> kPageShift), base, mask, kind, who, &c)) {
      result = Conflict{c.previous, c.kind, static_cast<std::size_t>(base + c.byte - addr)};
    }
    return result;
  }
  if (kind != Access::read && size >= kDeferBytes) return access_deferring(addr, end, kind, who);
  for (std::uintptr_t base = addr & ~std::uintptr_t{7}; base < end; base += 8) {
    CellConflict c;
    if (access_granule(page_at(base >> kPageShift), base, granule_mask(base, addr, end), kind,
                       who, &c) &&
        !result) {
      result = Conflict{c.previous, c.kind, static_cast<std::size_t>(base + c.byte - addr)};
    }
    if (base + 8 < base) break;  // the last granule of the address space
  }
  return result;
}

std::optional<Conflict> Shadow::access_deferring(std::uintptr_t addr, std::uintptr_t end,
                                                 Access kind, const Accessor& who) {
  std::optional<Conflict> result;
  std::size_t deferred = 0;
  const std::uintptr_t first = addr >> kPageShift, last = (end - 1) >> kPageShift;
  for (std::uintptr_t key = first;; ++key) {
    const std::uintptr_t page_base = key << kPageShift;
    const std::uintptr_t lo = std::max(addr, page_base) & ~std::uintptr_t{7};
    const std::uintptr_t hi = key == last ? end : page_base + (std::uintptr_t{1} << kPageShift);
    if (Page* p = find(key)) {
      for (std::uintptr_t base = lo; base < hi; base += 8) {
        CellConflict c;
        if (access_granule(*p, base, granule_mask(base, addr, end), kind, who, &c) && !result) {
          result = Conflict{c.previous, c.kind, static_cast<std::size_t>(base + c.byte - addr)};
        }
      }
    } else {
      deferred += (hi - lo + 7) / 8;
    }
    if (key == last) break;
  }
  if (deferred != 0) pending_ = Pending{addr, end, who.stamp, kind, deferred};
  return result;
}

std::optional<Conflict> Shadow::check_write(std::uintptr_t addr, std::size_t size,
                                            const Accessor& who) {
  std::optional<Conflict> result;
  if (size == 0) return result;
  if (pending_) flush_pending();
  if (cells_.live() == 0) return result;
  const std::uintptr_t end = range_end(addr, size);
  const std::uintptr_t first = addr >> kPageShift, last = (end - 1) >> kPageShift;
  for (std::uintptr_t key = first;; ++key) {
    if (const Page* p = find(key)) {
      const std::uintptr_t page_base = key << kPageShift;
      const std::uintptr_t lo = std::max(addr, page_base) & ~std::uintptr_t{7};
      const std::uintptr_t hi = key == last ? end : page_base + (std::uintptr_t{1} << kPageShift);
      for (std::uintptr_t base = lo; base < hi; base += 8) {
        const std::uint32_t ci = cell_of(p->w[(base >> 3) & (kCellsPerPage - 1)]);
        CellConflict cc;
        if (ci != 0 && cell_check_write(cells_.at(ci), granule_mask(base, addr, end), who, &cc))
          return Conflict{cc.previous, cc.kind, static_cast<std::size_t>(base + cc.byte - addr)};
        if (base + 8 < base) break;  // the last granule of the address space
      }
    }
    if (key == last) break;
  }
  return result;
}

void Shadow::flush_pending() {
  const Pending pending = *pending_;
  pending_.reset();
  // An empty granule conflicts with nothing, so the accessor's clock is never consulted. No
  // tag: the writer's epoch may have been renumbered since (a word without one is exact).
  const Accessor who{pending.stamp.slot(), pending.stamp.clock(), nullptr, pending.stamp, 0};
  const std::uintptr_t first = pending.begin >> kPageShift, last = (pending.end - 1) >> kPageShift;
  for (std::uintptr_t key = first;; ++key) {
    if (find(key) == nullptr) {
      Page& p = *add_page(key);
      const std::uintptr_t page_base = key << kPageShift;
      const std::uintptr_t lo = std::max(pending.begin, page_base) & ~std::uintptr_t{7};
      const std::uintptr_t hi =
          key == last ? pending.end : page_base + (std::uintptr_t{1} << kPageShift);
      for (std::uintptr_t base = lo; base < hi; base += 8) {
        CellConflict unused;
        access_granule(p, base, granule_mask(base, pending.begin, pending.end), pending.kind,
                       who, &unused);
      }
    }
    if (key == last) break;
  }
}

void Shadow::forget_in_page(std::uintptr_t key, std::uintptr_t begin, std::uintptr_t end,
                            const Accessor* writer, std::optional<Conflict>* conflict) {
  Page* p = find(key);
  if (p == nullptr) return;
  const std::uintptr_t page_base = key << kPageShift;
  const std::uintptr_t lo = std::max(begin, page_base) & ~std::uintptr_t{7};
  for (std::uintptr_t base = lo; base < end && base - page_base < (std::uintptr_t{1} << kPageShift);
       base += 8) {
    const std::size_t i = (base - page_base) >> 3;
    ShadowWord& w = p->w[i];
    const std::uint32_t ci = cell_of(w);
    if (ci == 0) continue;
    Cell& c = cells_.at(ci);
    const unsigned mask = granule_mask(base, begin, end);
    if (writer != nullptr && !*conflict) {
      // The usual case at a `delete` first, inline: an inline cell whose every entry happens
      // before the writer conflicts with nothing (cell_check_write's own first test).
      bool ordered = c.spill == nullptr;
      for (unsigned e = 0; e < c.n && ordered; ++e)
        ordered = cell_happens_before(c.stamp[e], *writer);
      CellConflict cc;
      if (!ordered && cell_check_write(c, mask, *writer, &cc))
        *conflict =
            Conflict{cc.previous, cc.kind, static_cast<std::size_t>(base + cc.byte - begin)};
    }
    w = word(ci, 0);
    if (mask == kAllBytes || cell_forget(c, mask)) {
      if (c.spill != nullptr) {
        cell_destroy(c);
      } else {
        c.n = 0;  // as cell_destroy() leaves it
      }
      cells_.release(ci);
      w = 0;
      --p->live;
    }
  }
  if (p->live == 0) remove_page(p);
}

std::optional<Conflict> Shadow::write_then_free(std::uintptr_t addr, std::size_t size,
                                                const Accessor& who) {
  std::optional<Conflict> result;
  if (size == 0) return result;
  if (pending_) flush_pending();  // the write is checked against it, then frees it
  if (cells_.live() == 0) return result;
  const std::uintptr_t end = range_end(addr, size);
  const std::uintptr_t first = addr >> kPageShift, last = (end - 1) >> kPageShift;
  // One walk: each granule is checked, then forgotten (its cell's line is still in the
  // cache). Pages are visited in address order, so the first conflict found is the lowest.
  if (last - first >= pages_) {
    // More pages in the range than in the whole shadow: the table's pages in the range.
    std::vector<std::uintptr_t> keys;
    for (const Bucket& b : table_) {
      if (b.page != nullptr && b.key >= first && b.key <= last) keys.push_back(b.key);
    }
    std::sort(keys.begin(), keys.end());
    for (const std::uintptr_t key : keys) forget_in_page(key, addr, end, &who, &result);
    return result;
  }
  for (std::uintptr_t key = first;; ++key) {
    forget_in_page(key, addr, end, &who, &result);
    if (key == last) break;
  }
  return result;
}

void Shadow::free_range(std::uintptr_t addr, std::size_t size) {
  if (size == 0) return;
  const std::uintptr_t end = range_end(addr, size);
  if (pending_) {
    if (addr <= pending_->begin && pending_->end <= end) {
      pending_.reset();  // freed before anyone could see it
    } else {
      flush_pending();
    }
  }
  if (cells_.live() == 0) return;
  const std::uintptr_t first = addr >> kPageShift, last = (end - 1) >> kPageShift;
  if (last - first >= pages_) {
    // More pages in the range than in the whole shadow: walk the table instead.
    std::vector<std::uintptr_t> keys;
    for (const Bucket& b : table_) {
      if (b.page != nullptr && b.key >= first && b.key <= last) keys.push_back(b.key);
    }
    for (std::uintptr_t key : keys) forget_in_page(key, addr, end);
    return;
  }
  for (std::uintptr_t key = first;; ++key) {
    forget_in_page(key, addr, end);
    if (key == last) break;
  }
}

void Shadow::clear() {
  pending_.reset();
  for (Bucket& b : table_) {
    if (!any_spills()) break;
    if (b.page == nullptr) continue;
    for (const ShadowWord w : b.page->w) {
      if (cell_of(w) != 0) cell_destroy(cells_.at(cell_of(w)));
    }
  }
  if (pages_ != 0 || !table_.empty()) {
    std::fill(ways_, ways_ + SameEpochView::kWays, SameEpochView::Way{});
    for (SameEpochView::Way* ways : extra_ways_)
      std::fill(ways, ways + SameEpochView::kWays, SameEpochView::Way{});
  }
  table_.clear();
  pages_ = 0;
  last_page_ = nullptr;
  pages_pool_.clear();
  cells_.clear();
  std::fill(std::begin(tag_epochs_), std::end(tag_epochs_), TagEpoch{});
}

std::size_t Shadow::split_granules() const {
  std::size_t n = 0;
  for (const Bucket& b : table_) {
    if (b.page == nullptr) continue;
    for (const ShadowWord w : b.page->w) {
      if (cell_of(w) != 0 && cell_is_split(cells_.at(cell_of(w)))) ++n;
    }
  }
  return n;
}

}  // namespace weft::det
