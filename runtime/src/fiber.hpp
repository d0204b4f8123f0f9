// Fibers: pooled stacks with a guard page, and context switches on Boost.Context's
// fcontext, annotated for AddressSanitizer.
//
// Invariants:
//  - a Stack's usable range is [bottom, bottom + size); the page below bottom is PROT_NONE,
//    so an overflow faults instead of corrupting a neighbour;
//  - a FiberCtx's `fc` is valid only while that context is suspended; switch_to() stores
//    the suspended context of the side that jumps into the FiberCtx it passes along;
//  - under ASan every switch is bracketed by __sanitizer_start/finish_switch_fiber, and a
//    context that is left for good passes no fake-stack slot so ASan frees it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace weft::detail {

struct Stack {
  void* region = nullptr;     // the mapping, guard page included
  std::size_t region_size = 0;
  void* bottom = nullptr;     // lowest usable address
  std::size_t size = 0;       // usable bytes
};

// Hands out stacks of one size, reusing freed ones. Thread-safe.
class StackPool {
 public:
  explicit StackPool(std::size_t usable_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  Stack get();
  void put(Stack s);
  // Takes back the stack of an abandoned goroutine (its frames were never unwound). Under
  // LeakSanitizer it is kept out of reuse for good and scanned for pointers, so what those
  // frames owned is not reported as leaked.
  void bury(Stack s);
  std::size_t stack_size() const noexcept { return size_; }
  // Whether p may lie in one of this pool's stacks (an envelope of all of them: cheap,
  // and never false for an address that does).
  bool may_contain(const void* p) const noexcept {
    auto a = reinterpret_cast<std::uintptr_t>(p);
    return a >= lo_.load(std::memory_order_relaxed) && a < hi_.load(std::memory_order_relaxed);
  }

 private:
  std::size_t size_;
  std::atomic<std::uintptr_t> lo_{~std::uintptr_t{0}};
  std::atomic<std::uintptr_t> hi_{0};
  std::mutex mu_;
  std::vector<Stack> free_;    // guarded by mu_
  std::vector<Stack> buried_;  // guarded by mu_
};

std::size_t default_stack_size() noexcept;

struct FiberCtx {
  void* fc = nullptr;               // boost::context::detail::fcontext_t
  void* fake_stack = nullptr;       // ASan's fake-stack handle while suspended
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
  void (*entry)(void*) = nullptr;   // set by fiber_make until the first switch into it
  void* entry_arg = nullptr;
  FiberCtx* resuming = nullptr;     // the context this one last switched to
};

// Prepares `ctx` to start `entry(arg)` on `stack` at its first switch_to. `entry` must
// never return: it ends with switch_final().
void fiber_make(FiberCtx& ctx, const Stack& stack, void (*entry)(void*), void* arg);
// Suspends the running context into `self` and resumes `to`. Returns when some context
// switches back into `self`.
void switch_to(FiberCtx& self, FiberCtx& to);
// Leaves the running fiber for good and resumes `to`.
[[noreturn]] void switch_final(FiberCtx& self, FiberCtx& to);

}  // namespace weft::detail
