// Global operator new/delete, replaced so that freeing memory inside an explored goroutine
// tells the race detector: `delete` counts as a write of the whole block (so a race with a
// free is reported) and then the block's shadow state is dropped (so reused memory never
// yields a false report). Outside goroutines with a detector this is malloc/free plus one
// thread-local test. Not compiled under AddressSanitizer, which has its own replacements.
#include <malloc.h>

#include <cstdlib>
#include <new>

#include "hb.hpp"
#include "race.hpp"
#include "scheduler.hpp"
#include "weft/instr.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_NO_MEMORY_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_NO_MEMORY_HOOKS 1
#endif
#endif

#ifndef WEFT_NO_MEMORY_HOOKS

namespace weft::detail {
namespace {

// On a thread with no scheduler too while a weft::run detects races (its accesses are
// checked: a block it frees or gets carries no history either).
bool observed_here() noexcept {
  return instr::detail::active != nullptr || (tls_scheduler == nullptr && outside_observed());
}

void on_free(void* p, std::size_t n) noexcept {
  if (!p || !observed_here() || in_event_sink) return;
  SinkCallGuard guard;
  try {
    if (EventSink* ev = events()) {
      const Location where{"", "operator delete", 0, 0};
      if (!in_goroutine()) {
        ev->free_range(p, n);
      } else if (RaceSink* race = current_scheduler()->race(); race != nullptr && ev == race) {
        race->write_then_free(current()->id, p, n, where);  // the same, in one pass
      } else {
        ev->access(current()->id, p, n, AccessKind::write, where);
        ev->free_range(p, n);
      }
    }
  } catch (...) {
  }
}

// Fresh memory carries no history: clear what a block freed without operator delete
// (malloc/free) may have left in the shadow at this address.
void on_alloc(void* p, std::size_t n) noexcept {
  if (!observed_here() || in_event_sink) return;
  SinkCallGuard guard;
  try {
    if (EventSink* ev = events()) ev->free_range(p, n);
  } catch (...) {
  }
}

void* allocate(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  on_alloc(p, n);
  return p;
}

void* allocate_aligned(std::size_t n, std::align_val_t a) {
  std::size_t align = static_cast<std::size_t>(a);
  if (align < sizeof(void*)) align = sizeof(void*);
  void* p = nullptr;
  if (::posix_memalign(&p, align, n ? n : 1) != 0) throw std::bad_alloc();
  on_alloc(p, n);
  return p;
}

void release(void* p) noexcept {
  if (!p) return;
  // Under weft::run without race detection nothing listens (events() is null): skip the
  // size look-up too. With it, the block's shadow is cleared before free() returns it to
  // the allocator, so a goroutine on another processor that gets it next starts clean.
  if (instr::detail::active && !hb_unobserved()) on_free(p, ::malloc_usable_size(p));
  std::free(p);
}
}  // namespace
}  // namespace weft::detail

using weft::detail::allocate;
using weft::detail::allocate_aligned;
using weft::detail::release;

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(n, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(n, a);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

#endif  // WEFT_NO_MEMORY_HOOKS

// libstdc++'s reference-count annotations (weft/glibcxx_sync.hpp).
extern "C" void weft_happens_before(const volatile void* addr) noexcept {
  using namespace weft::detail;
  if (hb_unobserved() || !in_goroutine() || in_event_sink) return;  // nobody listens
  SinkCallGuard guard;
  hb::release(const_cast<const void*>(addr));
}

extern "C" void weft_happens_after(const volatile void* addr) noexcept {
  using namespace weft::detail;
  if (hb_unobserved() || !in_goroutine() || in_event_sink) return;  // nobody listens
  SinkCallGuard guard;
  hb::acquire(const_cast<const void*>(addr));
}
