// Stack compaction: a goroutine that blocks while very many goroutines are alive gives its
// stack pages back to the system. The bytes it uses, [sp, top), go to a heap copy of just
// that size, and come back to the same addresses before it runs again.
//
// The same addresses, because a stack is pointed into: its own frames point at their
// locals, and other goroutines hold pointers too (a closure that captured a local by
// reference, the wait-queue links of a parked goroutine's Waiter, the slot a sender moves a
// value into). So the stack keeps its address range and the released range gets guard
// markers (MADV_GUARD_INSTALL discards the pages and makes them fault without a new
// mapping); whoever touches it faults, and the fault handler (crash.cpp) copies the bytes
// back and lets the access run again. Wait queues do not take that slow path: a compacted
// goroutine's queued waiters are swapped for heap proxies, and a waker that pops or removes
// one gets the original back, in place, with the stack restored.
//
// Invariants:
//  - only a suspended goroutine is compacted, and only while one thread runs goroutines:
//    the controlled scheduler's, or under weft::run the one processor's while no
//    weft::blocking call was made (parallel.hpp). A restore takes the markers away before
//    it copies the bytes back, so another thread touching the stack meanwhile would see
//    empty pages;
//  - a goroutine that runs is not compacted and none of its waiters is a proxy (the
//    scheduler calls restore_stack before switching into it);
//  - while g's bytes are out, its slot's owner (StackPool::owner_at) is g and the range
//    [low, top) of its stack carries guard markers; a proxy is always queued and listed in
//    its goroutine's `waiters`.
// It needs guard markers (Linux 6.13+) and the crash handler; it is off under
// AddressSanitizer (the copy would read poisoned redzones and fake-stack frames).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fiber.hpp"

namespace weft::detail {

struct G;

// The saved part of a compacted stack; `len` bytes follow the header.
struct CompactedStack {
  char* low = nullptr;  // page-aligned start of the range that carries guard markers
  char* sp = nullptr;   // the saved bytes belong at [sp, sp + len), the top of the stack
  std::size_t len = 0;
  bool bytes_back = false;  // a fault (or a waker) put them back; the copy is left to free
  char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
};

// Whether stacks of `pool` can be compacted in this process (guard markers, no ASan).
bool compaction_available(const StackPool& pool) noexcept;
// Copies the used part of suspended g's stack out and releases its pages (again, if a fault
// brought them back). False when it was not done (no memory, no guard markers).
bool compact_stack(G& g) noexcept;
// Puts g's bytes back (unless a fault already did), frees the copy and puts its original
// waiters back in their queues. For a suspended g about to run or to be released.
void restore_stack(G& g) noexcept;
// For the SIGSEGV handler: if `addr` lies in a compacted stack, puts its bytes back and
// returns true (the faulting access can run again). Async-signal-safe.
bool restore_stack_at_fault(const void* addr) noexcept;

// Process-wide counts (tests, benchmarks): stacks compacted, and stacks whose bytes a fault
// brought back (someone touched a compacted stack other than through a wait queue).
struct CompactionCounts {
  std::uint64_t compacted = 0;
  std::uint64_t restored_by_fault = 0;
};
CompactionCounts compaction_counts() noexcept;

}  // namespace weft::detail
