// Stack compaction; see stack_compact.hpp for the design and its invariants.
#include "stack_compact.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "crash.hpp"
#include "goroutine.hpp"
#include "weft/detail/wait_queue.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_COMPACT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_COMPACT_ASAN 1
#endif
#endif

namespace {
#ifdef WEFT_COMPACT_ASAN
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
}  // namespace

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13+
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif

namespace weft::detail {

namespace {

std::atomic<std::uint64_t> compacted_total{0};
std::atomic<std::uint64_t> fault_restored_total{0};

// A heap stand-in for a queued waiter of a compacted goroutine.
struct WaiterProxy : Waiter {
  Waiter* original = nullptr;
};

std::uintptr_t page_floor(std::uintptr_t a) noexcept {
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return a & ~(page - 1);
}

char* stack_top(const G& g) noexcept { return static_cast<char*>(g.stack.bottom) + g.stack.size; }

// Replaces `w` by `with` in its goroutine's list of queued waiters.
void relist(G& g, Waiter* w, Waiter* with) noexcept {
  g.waiters_lock.lock();
  for (Waiter** p = &g.waiters; *p; p = &(*p)->g_next)
    if (*p == w) {
      *p = with;
      break;
    }
  g.waiters_lock.unlock();
}

// Swaps each queued waiter of g for a heap proxy, so that wait-queue traffic past g does not
// touch its stack. A waiter left unproxied (no memory) is still correct: touching it faults
// and the handler restores the stack.
void proxy_waiters(G& g) noexcept {
  for (Waiter* w = g.waiters; w;) {
    Waiter* next = w->g_next;
    if (!w->proxy && w->queued) {
      auto* p = new (std::nothrow) WaiterProxy;
      if (p) {
        static_cast<Waiter&>(*p) = *w;
        p->proxy = true;
        p->original = w;
        w->queue->replace(w, p);
        relist(g, w, p);
      }
    }
    w = next;
  }
}

// Puts g's saved bytes back at their addresses; the copy stays until restore_stack.
// Async-signal-safe (two system calls and a copy).
void bytes_back(G& g) noexcept {
  CompactedStack* c = g.compacted;
  if (!c || c->bytes_back) return;
  StackPool::set_owner(g.stack, nullptr);
  char* top = stack_top(g);
  ::madvise(c->low, static_cast<std::size_t>(top - c->low), MADV_GUARD_REMOVE);
  std::memcpy(c->sp, c->bytes(), c->len);
  c->bytes_back = true;
}

}  // namespace

bool compaction_available(const StackPool& pool) noexcept {
  return !kAsan && pool.guard() == GuardKind::marker;
}

bool compact_stack(G& g) noexcept {
  if (kAsan) return false;  // the copy would read poisoned redzones
  note_progress();  // runtime work (the watchdog): a sweep compacts thousands at once
  if (g.compacted) {
    if (!g.compacted->bytes_back) return true;
    std::free(g.compacted);  // a fault brought them back: take a fresh copy
    g.compacted = nullptr;
  }
  char* bottom = static_cast<char*>(g.stack.bottom);
  char* top = stack_top(g);
  char* sp = static_cast<char*>(g.ctx.fc);  // the suspended context's registers sit at sp
  if (!bottom || sp < bottom || sp >= top) return false;
  // Pages below sp that a deeper call committed go too (their contents are dead).
  const char* deepest = std::max<const char*>(
      bottom, std::min<const char*>(sp, static_cast<const char*>(g.ctx.lowest_sp)));
  char* low = reinterpret_cast<char*>(page_floor(reinterpret_cast<std::uintptr_t>(deepest)));
  const auto len = static_cast<std::size_t>(top - sp);
  auto* c = static_cast<CompactedStack*>(std::malloc(sizeof(CompactedStack) + len));
  if (!c) return false;
  proxy_waiters(g);  // before the markers: it reads the waiters on the stack
  new (c) CompactedStack{low, sp, len, false};
  std::memcpy(c->bytes(), sp, len);
  if (!StackPool::set_owner(g.stack, &g)) {
    std::free(c);
    return false;
  }
  g.compacted = c;
  if (::madvise(low, static_cast<std::size_t>(top - low), MADV_GUARD_INSTALL) != 0) {
    StackPool::set_owner(g.stack, nullptr);
    g.compacted = nullptr;
    std::free(c);
    return false;
  }
  g.ctx.lowest_sp = sp;
  compacted_total.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void restore_stack(G& g) noexcept {
  if (!g.compacted) return;
  bytes_back(g);
  std::free(g.compacted);
  g.compacted = nullptr;
  for (Waiter* w = g.waiters; w;) {
    Waiter* next = w->g_next;
    if (w->proxy) unproxy_waiter(w);
    w = next;
  }
}

bool restore_stack_at_fault(const void* addr) noexcept {
  auto* g = static_cast<G*>(StackPool::owner_at(addr));
  if (!g || !g->compacted || g->compacted->bytes_back) return false;
  if (static_cast<const char*>(addr) < g->compacted->low) return false;  // not what we guarded
  bytes_back(*g);
  fault_restored_total.fetch_add(1, std::memory_order_relaxed);
  return true;
}

CompactionCounts compaction_counts() noexcept {
  return {compacted_total.load(std::memory_order_relaxed),
          fault_restored_total.load(std::memory_order_relaxed)};
}

Waiter* unproxy_waiter(Waiter* w) noexcept {
  // Runtime work, not a hang: a close() that wakes a million compacted receivers restores
  // each of them here, which takes seconds on a loaded machine.
  note_progress();
  auto* p = static_cast<WaiterProxy*>(w);
  Waiter* o = p->original;
  G* g = p->g;
  bytes_back(*g);  // o lives on g's stack
  *o = static_cast<const Waiter&>(*p);
  o->proxy = false;
  p->queue->replace(p, o);
  relist(*g, p, o);
  delete p;
  return o;
}

}  // namespace weft::detail
