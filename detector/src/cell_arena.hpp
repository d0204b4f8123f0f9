// cell_arena.hpp — CellArena: the shadow's cells (shadow_cell.hpp), named by 32-bit indices
// so that a granule's shadow word holds its epoch tag and the way to its state in 8 bytes
// (same_epoch.hpp).
//
// Cells live in fixed chunks of CellArenaView::kChunkCells (512 KiB), allocated as the arena
// grows; a released index goes to a free list and is handed out again first. Index 0 names no
// cell. Cells never move, so a Cell& stays valid until its index is released. The arena keeps
// the detector's CellArenaView pointing at its chunk table (which moves when it grows), so the
// inline access path can prefetch a cell by index.
//
// Memory: the first chunk comes from the heap; later ones are cut, four at a time, from 2 MiB
// slabs mapped on their own and, on Linux, marked for transparent huge pages. A large shadow
// is touched at random (a shared table's first reads), and with 4 KiB pages each of its pages
// costs a page fault when first written and a TLB miss on most accesses after; a huge page
// costs one fault (zeroing 2 MiB) and one TLB entry. A small shadow (one chunk) stays on the
// heap. clear() keeps the chunks (the next iteration of an exploration fills them again
// without faulting them in); the destructor returns them.
#pragma once

#include "shadow_cell.hpp"

#include <weft/detector/same_epoch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include <sys/mman.h>

namespace weft::det {

class CellArena {
 public:
  static constexpr unsigned kShift = CellArenaView::kChunkShift;
  static constexpr std::uint32_t kChunkCells = CellArenaView::kChunkCells;
  static constexpr std::uint32_t kMaxIndex = ~std::uint32_t{0};

  explicit CellArena(CellArenaView* view) : view_(view) {}
  ~CellArena() {
    for (const Slab& s : slabs_) ::munmap(s.base, kSlabBytes);
  }
  CellArena(const CellArena&) = delete;
  CellArena& operator=(const CellArena&) = delete;

  Cell& at(std::uint32_t i) {
    return static_cast<Cell*>(raw_[i >> kShift])[i & (kChunkCells - 1)];
  }
  const Cell& at(std::uint32_t i) const {
    return static_cast<const Cell*>(raw_[i >> kShift])[i & (kChunkCells - 1)];
  }
  // The index of a new, empty cell.
  std::uint32_t make() {
    std::uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      if (next_ == kMaxIndex) throw std::length_error("weft detector: too many shadow cells");
      // Chunks kept by clear() are used again before any is added.
      if ((next_ >> kShift) >= raw_.size()) add_chunk();
      i = next_++;
    }
    ++live_;
    new (&at(i)) Cell{};
    return i;
  }
  void release(std::uint32_t i) {
    free_.push_back(i);
    --live_;
  }
  std::size_t live() const { return live_; }
  // The chunk table's address, fixed from now on: room for every index is reserved (4 MiB of
  // address space, touched as chunks are added), so views that other threads read without
  // the detector's lock (Detector::add_thread_view) never see the table move.
  const void* const* fixed_table() {
    if (raw_.capacity() < (std::size_t{kMaxIndex} >> kShift) + 1)
      raw_.reserve((std::size_t{kMaxIndex} >> kShift) + 1);
    view_->chunks = raw_.empty() ? nullptr : raw_.data();
    return raw_.data();
  }
  // Forgets every cell; the chunks stay for the cells to come.
  void clear() {
    free_.clear();
    next_ = 1;
    live_ = 0;
  }

 private:
  static constexpr std::size_t kChunkBytes = std::size_t{kChunkCells} * sizeof(Cell);
  static constexpr std::size_t kSlabBytes = std::size_t{2} << 20;  // one x86-64 huge page
  static_assert(kSlabBytes % kChunkBytes == 0);

  void add_chunk() {
    void* chunk = nullptr;
    if (raw_.empty()) {
      heap_chunk_.reset(static_cast<Cell*>(::operator new(kChunkBytes, std::align_val_t{64})));
      chunk = heap_chunk_.get();
    } else {
      if (slab_used_ == kSlabBytes) add_slab();
      chunk = static_cast<char*>(slabs_.back().base) + slab_used_;
      slab_used_ += kChunkBytes;
    }
    raw_.push_back(chunk);
    view_->chunks = raw_.data();
  }
  // Maps a 2 MiB slab aligned to 2 MiB (a huge page can back only an aligned range): maps
  // twice the size and unmaps the unaligned ends.
  void add_slab() {
    void* p = ::mmap(nullptr, 2 * kSlabBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t base = (at + kSlabBytes - 1) & ~std::uintptr_t{kSlabBytes - 1};
    if (base != at) ::munmap(p, base - at);
    if (base + kSlabBytes != at + 2 * kSlabBytes)
      ::munmap(reinterpret_cast<void*>(base + kSlabBytes), at + kSlabBytes - base);
#if defined(MADV_HUGEPAGE)
    ::madvise(reinterpret_cast<void*>(base), kSlabBytes, MADV_HUGEPAGE);  // a hint: may fail
#endif
    try {
      slabs_.push_back(Slab{reinterpret_cast<void*>(base)});
    } catch (...) {
      ::munmap(reinterpret_cast<void*>(base), kSlabBytes);
      throw;
    }
    slab_used_ = 0;
  }
  struct Delete {
    void operator()(Cell* p) const { ::operator delete(p, std::align_val_t{64}); }
  };
  struct Slab {
    void* base;  // kSlabBytes, mapped
  };
  std::unique_ptr<Cell, Delete> heap_chunk_;  // chunk 0
  std::vector<Slab> slabs_;                   // chunks 1 and on, in order
  std::size_t slab_used_ = kSlabBytes;        // bytes of the last slab cut into chunks
  std::vector<void*> raw_;  // the chunks' addresses, as the view reads them
  std::uint32_t next_ = 1;        // the next index never handed out (0 names no cell)
  std::size_t live_ = 0;
  std::vector<std::uint32_t> free_;
  CellArenaView* view_;
};

}  // namespace weft::det
