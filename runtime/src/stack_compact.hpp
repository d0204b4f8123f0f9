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
// With one thread running goroutines (the controlled scheduler's, or weft::run's one
// processor before a weft::blocking call or a thread of the program's own came in), that is
// all: a restore takes the markers away and copies the bytes back, and nobody can look in
// between. With more threads (weft::run on several processors, or after the first of those)
// both steps must be atomic for the others, and so they go through a userfaultfd ("shared"
// compaction):
//  - compacting: the stack's range [low, top) is registered with the process's userfaultfd
//    (missing pages), its live pages are *moved* out (UFFDIO_MOVE: each page leaves its
//    address at once, with its content, into a staging area), copied to the heap from there,
//    and the range gets its guard markers before it is unregistered;
//  - restoring: the range is registered, its markers taken away, and the pages put back
//    with UFFDIO_COPY (each page appears at once, with its content) before it is
//    unregistered.
// While the range is registered an absent page is a userfaultfd fault, delivered as SIGBUS
// (UFFD_FEATURE_SIGBUS): the toucher's handler (crash.cpp) waits until the compaction or
// restore under way is over (G::stack_state below) and runs the access again, which then
// finds a marker (and restores the stack) or its page. (Letting the toucher sleep in the
// kernel until the range is unregistered was tried first: with two processors a toucher
// was now and then never woken.) Outside those windows a touch finds either the page with
// its bytes or a marker, whose SIGSEGV restores the stack first. So no thread ever reads an
// empty page or writes one that the copy then loses. Registering a part of the
// chunk's mapping splits it, unregistering merges it back: the map count grows by two per
// compaction or restore in progress, not per compacted stack. Only the owner's user-mode
// accesses are trapped (UFFD_USER_MODE_ONLY, so no privilege is needed): a system call that
// reads or writes a compacted stack fails with EFAULT, as it does against the markers with
// one thread. Without userfaultfd (an old kernel, a seccomp filter), shared compaction is
// unavailable and weft::run compacts with one thread only, as before.
// Why not register the whole pool once (the SIGBUS mode): every never-touched page of every
// stack would then be an absent, registered page, so a system call writing into a fresh
// stack page (read() into a large stack buffer) would fail with EFAULT, and each first touch
// would cost a signal.
//
// Who may touch a stack's bytes is settled by G::stack_state (goroutine.hpp), an atomic:
//   active -> parked            the goroutine parks (weft::run: before park's unlock step,
//                               while no waker can reach it; only when it may be compacted);
//   parked|back -> compacting   a compactor claims it (CAS; with one thread, explore also
//                               claims an active, suspended one); -> compacted when done
//                               (-> parked if not done);
//   compacted -> restoring      a restorer claims it (CAS): the scheduler about to run it, a
//                               fault handler, a waker unproxying; -> back (bytes in place,
//                               the heap copy still to free) or, by the scheduler, active;
//   parked|back -> active       the scheduler makes it current (CAS), freeing a copy;
//   compacting|restoring        everyone else waits for the holder.
// So the heap copy is read only by the thread holding `restoring` and freed only by one that
// moved the state away from `back` (never a signal handler: free is not async-signal-safe),
// and a compactor never takes a goroutine that a waker already resumed on another processor
// (the CAS from parked fails).
//
// Invariants:
//  - only a suspended goroutine is compacted, and only after park's unlock step (which may
//    read its stack) ran or can no longer matter; a goroutine that runs is not compacted and
//    none of its waiters is a proxy (the scheduler calls restore_stack before switching in);
//  - a proxy is made and undone only under its queue's lock, or with one thread. With one
//    thread the compactor proxies every queued waiter, and restore_stack undoes what is
//    left. With shared compaction the compactor holds no queue lock, so the scheduler
//    proxies a goroutine's waiters in park, before its unlock step (which releases every
//    queue lock the waiters are under), and only waiters that are not a select's: such a
//    waiter's goroutine runs again only once a waker took it out of its queue (unproxying
//    it under the lock), whereas a select's other waiters are still queued when it runs.
//    A select's waiters stay on its stack; a waker walking a queue past one faults and
//    restores that stack;
//  - once g was compacted, its slot's owner (StackPool::owner_at) stays g until another
//    goroutine's stack there is compacted: a fault that another thread's restore overtook
//    still finds g and is retried; while g's bytes are out the range [low, top) of its stack
//    carries guard markers; a proxy is always queued and listed in its goroutine's `waiters`.
// It needs guard markers (Linux 6.13+) and the crash handler; it is off under
// AddressSanitizer (the copy would read poisoned redzones and fake-stack frames), and the
// shared kind under ThreadSanitizer (whose own SIGSEGV/SIGBUS handling comes first).
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
  bool shared = false;   // compacted through the userfaultfd (other threads may touch it)
  bool proxied = false;  // its queued waiters were swapped for proxies (one thread only)
  char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
  const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }
};

// Whether stacks of `pool` can be compacted in this process (guard markers, no ASan).
bool compaction_available(const StackPool& pool) noexcept;
// Whether they can be while other threads run (shared compaction: the process's
// userfaultfd, made at the first call), as far as can be told before `pool` made a stack
// (compaction_available says the rest). Not async-signal-safe.
bool shared_compaction_available(const StackPool& pool) noexcept;
// Copies the used part of suspended g's stack out and releases its pages (again, if a fault
// brought them back). False when it was not done (no memory, no guard markers, g resumed
// meanwhile). `shared`: other threads may run (takes g only from parked or back); else g
// may also be active (the caller knows it is suspended).
bool compact_stack(G& g, bool shared = false) noexcept;
// For shared compaction: swaps g's queued waiters that are not a select's for heap proxies.
// The caller (park, before its unlock step) holds the lock of every queue they are in.
void proxy_parked_waiters(G& g) noexcept;
// Makes g's stack its own again: puts its bytes back (unless a fault already did), frees
// the copy and puts its original waiters back in their queues; g's stack_state becomes
// active. For a suspended g about to run or to be released.
void restore_stack(G& g) noexcept;
// For the SIGSEGV handler: if `addr` lies in a compacted stack, puts its bytes back and
// returns true (the faulting access can run again). Async-signal-safe.
bool restore_stack_at_fault(const void* addr) noexcept;

// Process-wide counts (tests, benchmarks): stacks compacted, and stacks whose bytes a fault
// brought back (someone touched a compacted stack other than through a wait queue).
struct CompactionCounts {
  std::uint64_t compacted = 0;
  std::uint64_t restored_by_fault = 0;
  std::uint64_t shared = 0;  // of `compacted`, through the userfaultfd
};
CompactionCounts compaction_counts() noexcept;

}  // namespace weft::detail
