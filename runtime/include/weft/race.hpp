// weft/race.hpp — manual instrumentation for the race detector, for code that
// weft-instrument does not rewrite.
//
//   weft::Shared<int> counter{0};            // every access is recorded (and, under
//   counter.write(counter.read() + 1);       //  explore, a scheduling point)
//   counter.with_mut([](int& c) { ++c; });    // a read-modify-write
//
//   weft::race::read(&buf, sizeof buf);      // annotate accesses weft cannot see
//   weft::race::write(&buf, sizeof buf);
//   weft::race::release(&flag);  ...  weft::race::acquire(&flag);   // custom synchronisation
//
// Outside a weft run (or with detection off) these only cost a branch; with detection on, an
// access that repeats one of the same goroutine in the same epoch costs a few loads inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <utility>

#include "weft/detail/access.hpp"
#include "weft/events.hpp"

namespace weft::detail {
// The out-of-line parts of race::read/write/update (race.cpp): what access_check() leaves,
// AccessLeft::owned and AccessLeft::other.
void record_owned(const void* addr, std::size_t size, AccessKind kind,
                  std::source_location where);
void record_annotated(const void* addr, std::size_t size, AccessKind kind,
                      std::source_location where);
// An access by the running goroutine, recorded through whichever of the two it needs.
inline void record_checked(const void* addr, std::size_t size, AccessKind kind,
                           std::source_location where) {
  switch (access_check(addr, size, kind)) {
    case AccessLeft::none: return;
    case AccessLeft::owned: record_owned(addr, size, kind, where); return;
    case AccessLeft::other: record_annotated(addr, size, kind, where); return;
  }
}
}  // namespace weft::detail

namespace weft::race {

// Records an access of `size` bytes at `addr` by the running goroutine. Inline: an access
// nobody observes, or one that repeats an access of the goroutine's current epoch, ends here
// (weft/detail/access.hpp).
inline void read(const void* addr, std::size_t size,
                 std::source_location where = std::source_location::current()) {
  weft::detail::record_checked(addr, size, AccessKind::read, where);
}
inline void write(const void* addr, std::size_t size,
                  std::source_location where = std::source_location::current()) {
  weft::detail::record_checked(addr, size, AccessKind::write, where);
}
inline void update(const void* addr, std::size_t size,
                   std::source_location where = std::source_location::current()) {
  weft::detail::record_checked(addr, size, AccessKind::update, where);
}
// Happens-before through `sync`: everything before release(x) happens before what follows
// an acquire(x) that comes after it.
void acquire(const void* sync);
void release(const void* sync);

// Sizes and costs of the race detector's state in the running iteration, so far (all zero
// outside a run or with detection off): for tests that guard how the detector scales.
struct Stats {
  std::size_t live_goroutines = 0;
  std::size_t slots = 0;          // clock slots allocated (live goroutines + reusable)
  std::size_t sync_objects = 0;   // mutexes, WaitGroups, channels... with a clock
  std::size_t clock_entries = 0;  // entries stored in all clocks, each shared part once
  std::uint64_t clock_work = 0;   // clock entries written or merged by sync and spawns
  std::uint64_t accesses = 0;     // accesses checked
};
Stats stats();

}  // namespace weft::race

namespace weft {

// A value whose every access the race detector checks (Loom's cell, Go-style): read, write,
// with (a read through a const reference), with_mut (a read-modify-write).
template <class T>
class Shared {
 public:
  Shared() = default;
  explicit Shared(T v) : v_(std::move(v)) {}
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  T read(std::source_location w = std::source_location::current()) const {
    race::read(&v_, sizeof(T), w);
    return v_;
  }
  void write(T v, std::source_location w = std::source_location::current()) {
    race::write(&v_, sizeof(T), w);
    v_ = std::move(v);
  }
  template <class F>
  decltype(auto) with(F&& f, std::source_location w = std::source_location::current()) const {
    race::read(&v_, sizeof(T), w);
    return std::forward<F>(f)(static_cast<const T&>(v_));
  }
  template <class F>
  decltype(auto) with_mut(F&& f, std::source_location w = std::source_location::current()) {
    race::update(&v_, sizeof(T), w);
    return std::forward<F>(f)(v_);
  }
  // Unchecked access, for set-up before any goroutine starts or after all have ended.
  T& unsafe_get() noexcept { return v_; }

 private:
  T v_{};
};

}  // namespace weft
