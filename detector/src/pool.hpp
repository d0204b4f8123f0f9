// pool.hpp — Pool<T>: objects of one trivially destructible type, handed out from chunks that
// grow with use (64 objects, then as many as are live, up to 512 KiB per chunk) and recycled
// through a free list. Objects never move, so callers keep plain pointers; allocated in use
// order, neighbours in time are neighbours in memory (whatever state the process heap is in).
// Memory goes back only on clear() or destruction. Used for shadow pages (cells have their
// own arena, cell_arena.hpp, addressed by 32-bit index).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace weft::det {

template <class T>
class Pool {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  // make() returns a value-initialised T.
  T* make() {
    ++live_;
    if (!free_.empty()) {
      T* p = free_.back();
      free_.pop_back();
      return new (p) T{};
    }
    if (used_ == size_) {
      size_ = std::clamp(live_, kMinChunk, kMaxChunk);
      chunks_.emplace_back(static_cast<T*>(::operator new(size_ * sizeof(T), kAlign)));
      used_ = 0;
    }
    return new (chunks_.back().get() + used_++) T{};
  }
  void release(T* p) {
    free_.push_back(p);
    --live_;
  }
  std::size_t live() const { return live_; }
  void clear() {
    chunks_.clear();
    free_.clear();
    size_ = used_ = live_ = 0;
  }

 private:
  static constexpr std::align_val_t kAlign{alignof(T) > 64 ? alignof(T) : 64};
  static constexpr std::size_t kMinChunk = 64;
  static constexpr std::size_t kMaxChunk = std::max<std::size_t>(kMinChunk, (512 << 10) / sizeof(T));
  struct Delete {
    void operator()(T* p) const { ::operator delete(p, kAlign); }
  };
  std::vector<std::unique_ptr<T, Delete>> chunks_;
  std::size_t size_ = 0;  // objects in the last chunk
  std::size_t used_ = 0;  // of which handed out
  std::size_t live_ = 0;
  std::vector<T*> free_;
};

}  // namespace weft::det
