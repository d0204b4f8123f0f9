// Fibers: pooled stacks with a guard page, and context switches on Boost.Context's
// fcontext (made by its make_fcontext; on x86-64 switched by weft's own jump, fiber.cpp),
// annotated for AddressSanitizer.
//
// Invariants:
//  - a Stack's usable range is [bottom, bottom + size); the page below bottom is a guard
//    (a guard marker, or PROT_NONE), so an overflow faults instead of corrupting a neighbour;
//  - a FiberCtx's `fc` is valid only while that context is suspended; switch_to() stores
//    the suspended context of the side that jumps into the FiberCtx it passes along;
//  - under ASan every switch is bracketed by __sanitizer_start/finish_switch_fiber, and a
//    context that is left for good passes no fake-stack slot so ASan frees it;
//  - under ThreadSanitizer every switch is announced with __tsan_switch_to_fiber (with
//    synchronisation: what a goroutine did before it was switched out happens before what
//    the next one on that thread does), so TSan checks the runtime's own threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "os_mutex.hpp"

namespace weft::detail {

struct Stack {
  void* region = nullptr;     // the slot: its guard page, then the usable range
  std::size_t region_size = 0;
  void* bottom = nullptr;     // lowest usable address
  std::size_t size = 0;       // usable bytes
};

// A stack could not be reserved: a system limit was reached. `limit` names it ("the
// process's map count (vm.max_map_count = 65530)"), `remedy` says which setting raises it.
struct StackLimitReached {
  std::string limit;
  std::string remedy;
};

// How a stack's guard page is made inaccessible.
enum class GuardKind : std::uint8_t {
  automatic,  // madvise(MADV_GUARD_INSTALL) if the kernel has it (Linux 6.13+), else mprotect
  marker,     // madvise(MADV_GUARD_INSTALL): no VMA split, so the map count does not grow
  mprotect,   // mprotect(PROT_NONE): each guard page splits the chunk's mapping (2 VMAs)
};

// Hands out stacks of one size, reusing freed ones. Thread-safe.
//
// The system's page size (read once).
std::size_t page_size() noexcept;

// Stacks are carved from chunks: one MAP_NORESERVE mapping holds many slots, each a guard
// page followed by the usable range, so memory is committed only where a goroutine touches
// it, and (with guard markers) a thousand stacks cost one VMA instead of two thousand. A
// returned stack that was seen deep gives its deep pages back to the system (MADV_DONTNEED
// below the top kKeepResident bytes), so deep goroutines do not pin memory for the rest of
// the run. Only then: the call costs about 0.5 µs, as much again as a whole spawn and join.
class StackPool {
 public:
  explicit StackPool(std::size_t usable_size, GuardKind guard = GuardKind::automatic);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  // Throws StackLimitReached when the system refuses the memory (never std::bad_alloc).
  Stack get();
  // Takes back a stack. `lowest_sp` is the deepest point its goroutine was seen at (its
  // FiberCtx::lowest_sp); pages below the top kKeepResident bytes are given back to the
  // system when it went deeper than that.
  void put(Stack s, const void* lowest_sp);
  // Takes back the stack of an abandoned goroutine (its frames were never unwound). Under
  // LeakSanitizer it is kept out of reuse for good and scanned for pointers, so what those
  // frames owned is not reported as leaked.
  void bury(Stack s, const void* lowest_sp);
  std::size_t stack_size() const noexcept { return size_; }
  // The guard in use: `marker` or `mprotect` once the first stack was made (`automatic`
  // before that, if the pool was asked to choose).
  GuardKind guard() const noexcept;
  // Gives back the address space held in reserve for the failure path (once a limit is
  // reached, the report and the teardown still need to allocate). Idempotent.
  void release_reserve() noexcept;
  // Whether p may lie in one of this pool's stacks (an envelope of all of them: cheap,
  // and never false for an address that does).
  bool may_contain(const void* p) const noexcept {
    auto a = reinterpret_cast<std::uintptr_t>(p);
    return a >= lo_.load(std::memory_order_relaxed) && a < hi_.load(std::memory_order_relaxed);
  }
  // Stack compaction (stack_compact.hpp): records `owner` (nullptr: none) as the owner of the
  // stack `s`, so that a fault anywhere in its slot can find it. False when the slot cannot
  // be recorded (the process-wide table of chunks is full): then do not compact it.
  static bool set_owner(const Stack& s, void* owner) noexcept;
  // The owner recorded for the stack slot (guard page included) that holds `p`, in any pool;
  // nullptr if none. Async-signal-safe: it allocates nothing and takes no lock.
  static void* owner_at(const void* p) noexcept;
  // Whether `p` lies in the guard page of a stack slot of any pool. Async-signal-safe.
  static bool in_guard_page(const void* p) noexcept;

  // Bytes a returned stack keeps resident at its top (where the next goroutine starts).
  // More than the 16 KiB gap main's body runs below (controlled.cpp), so main, whose stack
  // comes back every iteration, does not pay a madvise and fresh page faults each time.
  static constexpr std::size_t kKeepResident = 32 * 1024;
  static constexpr std::size_t kReserveBytes = 32 * 1024 * 1024;

 private:
  struct Chunk {
    char* base;
    std::size_t bytes;
    int registered;  // index in the process-wide chunk table (owner_at), or -1
  };
  void add_chunk() WEFT_REQUIRES(mu_);
  Stack carve() WEFT_REQUIRES(mu_);
  [[noreturn]] void limit_reached(const char* what, int err) WEFT_REQUIRES(mu_);

  std::size_t size_;          // usable bytes per stack (whole pages)
  std::size_t slot_;          // size_ + one guard page
  std::atomic<GuardKind> guard_;
  std::atomic<std::uintptr_t> lo_{~std::uintptr_t{0}};
  std::atomic<std::uintptr_t> hi_{0};
  OsMutex mu_;
  std::vector<Chunk> chunks_ WEFT_GUARDED_BY(mu_);
  std::size_t next_slots_ WEFT_GUARDED_BY(mu_);  // slots in the next chunk (grows geometrically)
  char* carve_next_ WEFT_GUARDED_BY(mu_) = nullptr;  // the next fresh slot of the newest chunk
  char* carve_end_ WEFT_GUARDED_BY(mu_) = nullptr;
  std::vector<void*> free_ WEFT_GUARDED_BY(mu_);  // bottoms of reusable stacks
  std::atomic<void*> reserve_{nullptr};  // kReserveBytes, mapped with the first chunk
  std::vector<Stack> buried_ WEFT_GUARDED_BY(mu_);
};

// The default usable stack size: 256 KiB, or 1 MiB under AddressSanitizer (its redzones
// make frames larger). Reserved, not committed: untouched pages cost no memory.
std::size_t default_stack_size() noexcept;

struct FiberCtx {
  void* fc = nullptr;               // boost::context::detail::fcontext_t
  void* fake_stack = nullptr;       // ASan's fake-stack handle while suspended
  // ThreadSanitizer's fiber for this context (WEFT_SANITIZE_THREAD builds only): an OS
  // thread's own context takes the thread's at its first switch away, a goroutine's is
  // created at the first switch into it and kept when its G is reused.
  void* tsan_fiber = nullptr;
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
  void (*entry)(void*) = nullptr;   // set by fiber_make until the first switch into it
  void* entry_arg = nullptr;
  FiberCtx* resuming = nullptr;     // the context this one last switched to
  // The lowest stack pointer this context was suspended at (a hint of how deep its stack
  // went: calls that never switch while deep are not seen).
  const void* lowest_sp = nullptr;
};

// Prepares `ctx` to start `entry(arg)` on `stack` at its first switch_to. `entry` must
// never return: it ends with switch_final().
void fiber_make(FiberCtx& ctx, const Stack& stack, void (*entry)(void*), void* arg);
// Suspends the running context into `self` and resumes `to`. Returns when some context
// switches back into `self`.
void switch_to(FiberCtx& self, FiberCtx& to);
// Leaves the running fiber for good and resumes `to`.
[[noreturn]] void switch_final(FiberCtx& self, FiberCtx& to);
// `ctx` will never run again (its record is being freed): gives back what a sanitizer keeps
// for it (ThreadSanitizer's fiber, several hundred KiB each). Not the running context.
void fiber_forget(FiberCtx& ctx) noexcept;

}  // namespace weft::detail
