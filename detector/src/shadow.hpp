// shadow.hpp — shadow memory: FastTrack state for every accessed byte, found by address.
//
// Each byte remembers the last write (an epoch: slot + clock) and the reads since it: one
// epoch while the reads are ordered, a read set once goroutines read concurrently. A write
// clears the reads. Besides the epoch a stamp carries what a report needs about the access:
// its interned call chain and its goroutine. The state of one 8-byte granule is a Cell
// (shadow_cell.hpp: a few stamps with byte masks, 64 bytes, exact to the byte).
//
// Layout: a flat, paged table. Memory is cut into 512-byte pages (64 granules); an
// open-addressing hash table (linear probing, at most half full), behind the direct-mapped
// page cache of the detector's SameEpochView, maps a page number to a Page: 64 granule words,
// each an epoch tag for the same-epoch exit and a 32-bit index of the granule's cell in a
// CellArena (cell_arena.hpp). Pages and cells come from pools: no allocation per granule, no
// per-granule node. So an access costs a hash probe (skipped when it hits the same page as
// the last one), one line of the page (eight granules' words) and the cell's one cache line
// — and a repeated access in the same epoch (Shadow::same_epoch, or the view inline) only the
// probe and the word. Dense memory costs 64 + 8 bytes of shadow per touched 8-byte granule;
// sparse memory (a goroutine's stack, scattered heap objects) a 576-byte page per touched 512
// bytes plus 64 bytes per touched granule.
//
// A first read of a granule written whole by one epoch (kSoleWrite) that happens before the
// reader is decided from the word and a small map of recent tags' epochs, and recorded with
// stores only (read_after_sole_write): a table filled by one goroutine and then read by
// others does not wait for each cell's cache line. The map may hold a later epoch of the
// tag's goroutine than the write's, which can only send an access to the full check.
//
// Invariants: a page is in the table iff it holds at least one cell (`live` counts them); a
// cell is non-empty (shadow_cell.hpp (3)); pages and cells not in use are back in their pool;
// a word with a tag has a cell.
// Freeing a range drops whole cells and pages (and walks the page table instead of the range
// when the range is larger than the shadow).
//
// Deferred block writes: `delete` reports a write of the whole block and then frees it. A
// large write (kDeferBytes or more) is applied at once to the pages that exist, and recorded
// for the pages that do not (they hold no state, so nothing there can conflict) as `pending_`.
// The next shadow operation materialises it, unless it is a free_range covering it, which
// drops it: the same final state, without creating and destroying a cell per granule of
// memory that was never accessed. Invariant: while pending_ is set, no page in its range that
// was absent when it was recorded has been created.
#pragma once

#include "cell_arena.hpp"
#include "pool.hpp"
#include "shadow_cell.hpp"

#include <weft/detector/same_epoch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <optional>
#include <vector>

namespace weft::det {

struct Conflict {
  Stamp previous;
  Access kind;         // of the previous access
  std::size_t offset;  // of the first conflicting byte, from the access's address
};

class Shadow {
 public:
  // `view`: the detector's SameEpochView, whose page cache and cell arena view the shadow
  // keeps true (same_epoch.hpp): ways filled on lookups, emptied before a page leaves.
  explicit Shadow(SameEpochView* view);
  ~Shadow();
  Shadow(const Shadow&) = delete;
  Shadow& operator=(const Shadow&) = delete;

  // Checks an access against the recorded state, records it, and returns the conflict at the
  // lowest conflicting byte, if any.
  std::optional<Conflict> access(std::uintptr_t addr, std::size_t size, Access kind,
                                 const Accessor& who);
  // Whether an access of [addr, addr+size) in the epoch `epoch` (packed), tagged `tag`, is
  // FastTrack's same-epoch exit, decided with a page lookup and no cell work: a read or
  // write inside one granule whose bytes this epoch already covered (a read) or holds alone
  // with a write (a write). A false answer means only "use access()".
  bool same_epoch(std::uintptr_t addr, std::size_t size, Access kind, std::uint64_t epoch,
                  std::uint32_t tag) {
    if ((addr & 7) + size > 8) return false;
    const std::uintptr_t key = addr >> kPageShift;
    bool jumped = false;  // to another page: likely a random access, which misses the cache
    if (last_page_ == nullptr || last_key_ != key) {
      Page* p = find(key);
      if (p == nullptr) return false;
      remember(p, key);
      jumped = true;
    }
    const std::size_t i = (addr >> 3) & (kCellsPerPage - 1);
    const ShadowWord word = last_page_->w[i];
    if (kind == Access::read) {
      if ((tag_of(word) & ~kSoleWrite) == tag) return true;
      // access() will need the cell: after a jump, start loading it while the caller gets
      // there (runs within a page are left to the hardware prefetcher).
      if (jumped && cell_of(word) != 0) __builtin_prefetch(&cells_.at(cell_of(word)), 1);
      return false;
    }
    if (tag_of(word) == (tag | kSoleWrite)) return true;
    return cell_of(word) != 0 && write_repeats(cells_.at(cell_of(word)), addr, size, epoch);
  }
  // An access inside one granule (the common case), as same_epoch() then access() would do
  // it, with one page lookup: true on a conflict (filled in *out). *repeat says whether it
  // was the same-epoch exit, in which case `make_who()` (which builds the accessor, interning
  // the call site) is never called and nothing changes.
  template <class MakeWho>
  bool access_in_granule(std::uintptr_t addr, std::size_t size, Access kind,
                         std::uint64_t epoch, std::uint32_t tag, MakeWho&& make_who,
                         Conflict* out, bool* repeat);
  // The epoch (packed) that the tag `tag` was given to, for read_after_sole_write(). The
  // detector calls it for every tag it hands out (Engine::new_tag's callers and its
  // renumbering); a tag may be remembered with a later epoch of its goroutine than the one
  // whose words carry it, which only makes the check below fail more often.
  void note_tag(std::uint32_t tag, std::uint64_t epoch) {
    tag_epochs_[tag & (kTagEpochs - 1)] = TagEpoch{tag, epoch};
  }
  // What access() of a write of [addr, addr+size) would return, without recording it.
  std::optional<Conflict> check_write(std::uintptr_t addr, std::size_t size,
                                      const Accessor& who);
  // Forgets the state of [addr, addr+size).
  void free_range(std::uintptr_t addr, std::size_t size);
  // check_write() then free_range(), in one walk over the range's granules.
  std::optional<Conflict> write_then_free(std::uintptr_t addr, std::size_t size,
                                          const Accessor& who);
  void clear();
  // A page cache of another view (a thread's, Detector::add_thread_view): the shadow empties
  // its way before a page leaves (only the key: the thread may be reading the way without
  // the lock, and the page's memory stays in the pool until clear()), and clear() empties it.
  void add_ways(SameEpochView::Way* ways) { extra_ways_.push_back(ways); }
  // The words of the page holding addr, if it is in the shadow.
  const ShadowWord* page_words(std::uintptr_t addr) const {
    const Page* p = find(addr >> kPageShift);
    return p != nullptr ? p->w : nullptr;
  }
  // The chunk table views may read without the lock (CellArena::fixed_table).
  const void* const* fixed_cell_table() { return cells_.fixed_table(); }
  // Calls f(Stamp&) for every recorded access (to collect or renumber goroutine infos).
  template <class F>
  void for_each_stamp(F&& f);
  // Granules with any state, and those whose bytes do not all share one state (walks).
  std::size_t granules() const { return cells_.live() + (pending_ ? pending_->granules : 0); }
  std::size_t split_granules() const;
  // The detector's tags start over: every granule word's tag t (kSoleWrite aside) becomes
  // rename(t), and 0 (none) when that is 0; the flag stays with a renamed tag.
  template <class Rename>
  void retag(Rename&& rename) {
    for (Bucket& b : table_) {
      if (b.page == nullptr) continue;
      for (ShadowWord& w : b.page->w) {
        const std::uint32_t t = tag_of(w);
        if (t == 0) continue;
        const std::uint32_t to = rename(t & ~kSoleWrite);
        w = word(cell_of(w), to == 0 ? 0 : to | (t & kSoleWrite));
      }
    }
  }

 private:
  static constexpr unsigned kPageShift = SameEpochView::kPageShift;
  static constexpr unsigned kCellsPerPage = 1u << (kPageShift - 3);
  static constexpr std::uint32_t kSoleWrite = SameEpochView::kSoleWrite;
  static std::uint32_t tag_of(ShadowWord w) { return static_cast<std::uint32_t>(w); }
  static std::uint32_t cell_of(ShadowWord w) { return static_cast<std::uint32_t>(w >> 32); }
  static ShadowWord word(std::uint32_t cell, std::uint32_t tag) {
    return ShadowWord{cell} << 32 | tag;
  }
  // A write of [addr, addr+size) in `epoch` changes nothing in c: c holds only that epoch's
  // plain write of (at least) those bytes.
  static bool write_repeats(const Cell& c, std::uintptr_t addr, std::size_t size,
                            std::uint64_t epoch) {
    const unsigned mask = ((1u << size) - 1) << (addr & 7);
    return c.n == 1 && c.stamp[0].epoch == epoch && !kept_as_read(c.kind[0]) &&
           (c.mask[0] & mask) == mask;
  }
  static constexpr unsigned kAllBytes = 0xff;
  // A read of the bytes in `mask` of the granule whose word is w, which holds kSoleWrite:
  // its cell is exactly one write of all 8 bytes, by the epoch tagged tag_of(w). When that
  // epoch is known (tag_epochs_) and happens before the reader, the read cannot conflict
  // and cell_access() would append it as the cell's second entry: do that with stores only,
  // so a first read of a granule does not wait for its cell's cache line (the load that
  // dominates a shared table's first reads). Returns false, changing nothing, otherwise.
  bool read_after_sole_write(ShadowWord& w, unsigned mask, const Accessor& who) {
    const std::uint32_t writer = tag_of(w) & ~kSoleWrite;
    const TagEpoch& te = tag_epochs_[writer & (kTagEpochs - 1)];
    if (te.tag != writer || who.tag == 0) return false;
    const auto slot = static_cast<Slot>(te.epoch & kMaxSlot);
    const Clock clock = te.epoch >> kSlotBits;
    if (slot == who.slot ? clock > who.epoch : clock > who.clock->get(slot)) return false;
    Cell& c = cells_.at(cell_of(w));
    c.stamp[1] = who.stamp;
    c.mask[1] = static_cast<std::uint8_t>(mask);
    c.kind[1] = Access::read;
    c.n = 2;
    // As access_granule() leaves the word after a read.
    w = word(cell_of(w), mask == kAllBytes ? who.tag : writer);
    return true;
  }
  static constexpr std::size_t kTagEpochs = 256;
  struct TagEpoch {
    std::uint32_t tag = 0;  // 0: none
    std::uint64_t epoch = 0;
  };

  struct alignas(64) Page {
    // Per granule (same_epoch.hpp), the low 32 bits: the tag of an epoch whose accesses
    // covered all 8 bytes of the granule with no write or free of it since (0: none). A read
    // in that epoch changes nothing (FastTrack's same-epoch exit) and is answered here
    // without touching the cell. Only the epoch's own goroutine can drop its entries while
    // it is still in that epoch (anyone else would have to know the epoch, i.e. have
    // synchronised after it, which ends it), so only writes and frees reset it. With
    // kSoleWrite set, the cell is exactly that epoch's write (or update) of all 8 bytes, so
    // a write in the epoch changes nothing either; any other access of the granule clears
    // the flag. The high 32 bits: the granule's cell in cells_, or 0.
    ShadowWord w[kCellsPerPage] = {};
    std::uintptr_t key = 0;  // address >> kPageShift
    std::uint32_t live = 0;  // cells in use
  };
  struct Bucket {
    std::uintptr_t key = 0;
    Page* page = nullptr;  // null: empty bucket
  };

  static constexpr std::size_t kDeferBytes = 4096;
  struct Pending {
    std::uintptr_t begin, end;
    Stamp stamp;
    Access kind;
    std::size_t granules;  // in pages that were absent
  };

  Page& page_at(std::uintptr_t key);
  // Makes p, the page of `key`, the one-page cache and puts it in its way of the view's
  // page cache. The caller passes the key it looked p up by: p->key sits on the page's last
  // cache line, which a random access would otherwise miss on for that alone.
  void remember(Page* p, std::uintptr_t key) {
    last_page_ = p;
    last_key_ = key;
    ways_[key & (SameEpochView::kWays - 1)] = SameEpochView::Way{key, p->w};
  }
  // One granule: check and record. Returns true and fills *out on a conflict.
  bool access_granule(Page& p, std::uintptr_t base, unsigned mask, Access kind,
                      const Accessor& who, CellConflict* out);
  // The same, inline: access_in_granule's (the path of most recorded accesses), whose
  // call layers cost as much as the rule itself.
  [[gnu::always_inline]] bool access_granule_now(Page& p, std::uintptr_t base, unsigned mask,
                                                 Access kind, const Accessor& who,
                                                 CellConflict* out);
  std::optional<Conflict> access_deferring(std::uintptr_t addr, std::uintptr_t end,
                                           Access kind, const Accessor& who);
  void flush_pending();
  Page* find(std::uintptr_t key) const {
    // The view's cache first: a way names a page of the shadow.
    const SameEpochView::Way& w = ways_[key & (SameEpochView::kWays - 1)];
    if (w.key == key) {
      static_assert(std::is_standard_layout_v<Page> && offsetof(Page, w) == 0);
      return reinterpret_cast<Page*>(const_cast<ShadowWord*>(w.words));
    }
    if (pages_ == 0) return nullptr;
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = home(key);; i = (i + 1) & mask) {
      const Bucket& b = table_[i];
      if (b.page == nullptr || b.key == key) return b.page;
    }
  }
  Page* add_page(std::uintptr_t key);
  void remove_page(Page* p);
  // Forgets [begin, end) in page `key`; with a writer, first checks each granule as
  // check_write() would, keeping the first conflict in *conflict (offsets from begin).
  void forget_in_page(std::uintptr_t key, std::uintptr_t begin, std::uintptr_t end,
                      const Accessor* writer = nullptr, std::optional<Conflict>* conflict = nullptr);
  std::size_t home(std::uintptr_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & (table_.size() - 1);
  }
  void grow_table();

  std::vector<Bucket> table_;  // power-of-two size, at most half full
  std::size_t pages_ = 0;
  std::uintptr_t last_key_ = 0;  // one-page cache for runs of nearby accesses
  Page* last_page_ = nullptr;
  SameEpochView::Way* ways_;  // the view's page cache (kWays entries)
  std::vector<SameEpochView::Way*> extra_ways_;  // threads' page caches (add_ways)
  Pool<Page> pages_pool_;
  CellArena cells_;
  std::optional<Pending> pending_;
  TagEpoch tag_epochs_[kTagEpochs];  // direct-mapped by tag: recently issued tags' epochs
};

template <class MakeWho>
bool Shadow::access_in_granule(std::uintptr_t addr, std::size_t size, Access kind,
                               std::uint64_t epoch, std::uint32_t tag, MakeWho&& make_who,
                               Conflict* out, bool* repeat) {
  if (pending_) flush_pending();
  const std::uintptr_t key = addr >> kPageShift;
  const std::uintptr_t base = addr & ~std::uintptr_t{7};
  const unsigned mask = ((1u << size) - 1) << (addr & 7);
  const std::size_t i = (addr >> 3) & (kCellsPerPage - 1);
  Page* p = last_page_ != nullptr && last_key_ == key ? last_page_ : find(key);
  if (p != nullptr) {
    if (p != last_page_) remember(p, key);
    const ShadowWord w = p->w[i];
    // same_epoch()'s exits.
    if (kind == Access::read ? (tag_of(w) & ~kSoleWrite) == tag
                             : tag_of(w) == (tag | kSoleWrite) ||
                                   (cell_of(w) != 0 &&
                                    write_repeats(cells_.at(cell_of(w)), addr, size, epoch))) {
      *repeat = true;
      return false;
    }
  } else {
    p = add_page(key);
    remember(p, key);
  }
  *repeat = false;
  const Accessor& who = make_who();
  if (kind == Access::read && (tag_of(p->w[i]) & kSoleWrite) != 0 &&
      read_after_sole_write(p->w[i], mask, who))
    return false;
  CellConflict c;
  if (!access_granule_now(*p, base, mask, kind, who, &c)) return false;
  *out = Conflict{c.previous, c.kind, static_cast<std::size_t>(base + c.byte - addr)};
  return true;
}

inline bool Shadow::access_granule_now(Page& p, std::uintptr_t base, unsigned mask,
                                       Access kind, const Accessor& who, CellConflict* out) {
  const std::size_t i = (base >> 3) & (kCellsPerPage - 1);
  const std::uint32_t tag = who.tag;
  ShadowWord& w = p.w[i];
  if (kind == Access::read && tag != 0 && (tag_of(w) & ~kSoleWrite) == tag) return false;
  std::uint32_t ci = cell_of(w);
  if (ci == 0) {
    ci = cells_.make();
    ++p.live;
  }
  Cell& cell = cells_.at(ci);
  const bool conflict = cell_access(cell, mask, kind, who, out);
  std::uint32_t t = tag_of(w);
  if (is_atomic(kind)) {
    // An atomic access never makes a plain one a repeat: a load may add an entry, and a
    // store or RMW adds one a plain read of anyone's current epoch must check.
    t = writes(kind) ? 0 : t & ~kSoleWrite;
  } else if (mask == kAllBytes) {
    // A write of all the bytes leaves its entry alone in the cell (shadow_cell.hpp (1), (2)).
    t = tag == 0 ? 0 : kind == Access::read ? tag : tag | kSoleWrite;
  } else if (kind != Access::read) {
    // A partial write that completes its epoch's write of the whole granule (the second of
    // two uint32 stores) leaves the cell as one whole write would: flag it the same way, so
    // that the epoch's repeats and others' first reads take the short paths.
    // (Write kinds named, not "not a read": a kind added later must opt in.)
    const Cell& c = cell;
    const auto writes = [](Access k) { return k == Access::write || k == Access::update; };
    const bool whole = writes(kind) && c.spill == nullptr && c.n == 1 &&
                       c.mask[0] == kAllBytes && writes(c.kind[0]) &&
                       c.stamp[0].epoch == who.stamp.epoch;
    t = tag != 0 && whole ? tag | kSoleWrite : 0;
  } else {
    t &= ~kSoleWrite;  // the read may have added an entry
  }
  w = word(ci, t);
  return conflict;
}

template <class F>
void Shadow::for_each_stamp(F&& f) {
  if (pending_) f(pending_->stamp);
  for (Bucket& b : table_) {
    if (b.page == nullptr) continue;
    for (const ShadowWord w : b.page->w) {
      if (cell_of(w) != 0) cell_for_each_stamp(cells_.at(cell_of(w)), f);
    }
  }
}

}  // namespace weft::det
