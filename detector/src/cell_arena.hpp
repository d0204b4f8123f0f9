// cell_arena.hpp — CellArena: the shadow's cells (shadow_cell.hpp), named by 32-bit indices
// so that a granule's shadow word holds its epoch tag and the way to its state in 8 bytes
// (same_epoch.hpp).
//
// Cells live in fixed chunks of CellArenaView::kChunkCells, allocated as the arena grows and
// kept until clear(); a released index goes to a free list and is handed out again first.
// Index 0 names no cell. Cells never move, so a Cell& stays valid until its index is
// released. The arena keeps the detector's CellArenaView pointing at its chunk table (which
// moves when it grows), so the inline access path can prefetch a cell by index.
#pragma once

#include "shadow_cell.hpp"

#include <weft/detector/same_epoch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

namespace weft::det {

class CellArena {
 public:
  static constexpr unsigned kShift = CellArenaView::kChunkShift;
  static constexpr std::uint32_t kChunkCells = CellArenaView::kChunkCells;
  static constexpr std::uint32_t kMaxIndex = ~std::uint32_t{0};

  explicit CellArena(CellArenaView* view) : view_(view) {}

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
      if ((next_ & (kChunkCells - 1)) == 0 || chunks_.empty()) add_chunk();
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
    return raw_.data();
  }
  void clear() {
    chunks_.clear();
    raw_.clear();
    free_.clear();
    next_ = 1;
    live_ = 0;
    view_->chunks = nullptr;
  }

 private:
  void add_chunk() {
    chunks_.emplace_back(static_cast<Cell*>(
        ::operator new(std::size_t{kChunkCells} * sizeof(Cell), std::align_val_t{64})));
    raw_.push_back(chunks_.back().get());
    view_->chunks = raw_.data();
  }
  struct Delete {
    void operator()(Cell* p) const { ::operator delete(p, std::align_val_t{64}); }
  };
  std::vector<std::unique_ptr<Cell, Delete>> chunks_;
  std::vector<void*> raw_;  // the chunks' addresses, as the view reads them
  std::uint32_t next_ = 1;        // the next index never handed out (0 names no cell)
  std::size_t live_ = 0;
  std::vector<std::uint32_t> free_;
  CellArenaView* view_;
};

}  // namespace weft::det
