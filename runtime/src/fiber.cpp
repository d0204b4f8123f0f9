// Stacks and context switches; see fiber.hpp for the invariants.
#include "fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/detail/fcontext.hpp>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN 1
#endif
#endif

#ifdef WEFT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

namespace weft::detail {

namespace ctx = boost::context::detail;

namespace {
std::size_t page_size() noexcept {
  static const std::size_t p = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

void asan_start(void** fake_slot, const FiberCtx& to) {
#ifdef WEFT_ASAN
  __sanitizer_start_switch_fiber(fake_slot, to.stack_bottom, to.stack_size);
#else
  (void)fake_slot;
  (void)to;
#endif
}

// After arriving in a context: finish ASan's switch and remember where we came from.
void asan_finish(void* fake, FiberCtx* from) {
#ifdef WEFT_ASAN
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(fake, &bottom, &size);
  if (from && !from->stack_bottom) {
    from->stack_bottom = bottom;  // learn an OS thread's stack on the first switch away
    from->stack_size = size;
  }
#else
  (void)fake;
  (void)from;
#endif
}

// The first switch into a fiber lands here, on the fiber's own stack.
void trampoline(ctx::transfer_t t) {
  auto* from = static_cast<FiberCtx*>(t.data);
  from->fc = t.fctx;
  asan_finish(nullptr, from);
  FiberCtx* self = from->resuming;
  auto entry = self->entry;
  void* arg = self->entry_arg;
  self->entry = nullptr;
  entry(arg);
  std::abort();  // entry must end with switch_final
}
}  // namespace

StackPool::StackPool(std::size_t usable_size) {
  const std::size_t p = page_size();
  size_ = (usable_size + p - 1) / p * p;
}

StackPool::~StackPool() {
  for (Stack& s : free_) ::munmap(s.region, s.region_size);
#ifndef WEFT_ASAN
  for (Stack& s : buried_) ::munmap(s.region, s.region_size);
#endif
}

void StackPool::bury(Stack s) {
#ifdef WEFT_ASAN
  // Heap blocks owned by the abandoned frames stay reachable for LeakSanitizer.
  __lsan_register_root_region(s.bottom, s.size);
  std::lock_guard<std::mutex> g(mu_);
  buried_.push_back(s);
#else
  put(s);  // nothing points into it any more (its waiters were unlinked): reuse it
#endif
}

Stack StackPool::get() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!free_.empty()) {
      Stack s = free_.back();
      free_.pop_back();
      return s;
    }
  }
  const std::size_t guard = page_size();
  Stack s;
  s.region_size = size_ + guard;
  s.region = ::mmap(nullptr, s.region_size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (s.region == MAP_FAILED) throw std::bad_alloc();
  if (::mprotect(s.region, guard, PROT_NONE) != 0) {
    ::munmap(s.region, s.region_size);
    throw std::bad_alloc();
  }
  s.bottom = static_cast<char*>(s.region) + guard;
  s.size = size_;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto lo = reinterpret_cast<std::uintptr_t>(s.region);
    if (lo < lo_.load(std::memory_order_relaxed)) lo_.store(lo, std::memory_order_relaxed);
    if (lo + s.region_size > hi_.load(std::memory_order_relaxed))
      hi_.store(lo + s.region_size, std::memory_order_relaxed);
  }
  return s;
}

void StackPool::put(Stack s) {
#ifdef WEFT_ASAN
  // A stack abandoned mid-call keeps ASan's poisoning of its frames; clear it for reuse.
  __asan_unpoison_memory_region(s.bottom, s.size);
#endif
  std::lock_guard<std::mutex> g(mu_);
  free_.push_back(s);
}

std::size_t default_stack_size() noexcept {
#ifdef WEFT_ASAN
  return 256 * 1024;
#else
  return 64 * 1024;
#endif
}

void fiber_make(FiberCtx& c, const Stack& stack, void (*entry)(void*), void* arg) {
  c.stack_bottom = stack.bottom;
  c.stack_size = stack.size;
  c.fake_stack = nullptr;
  c.entry = entry;
  c.entry_arg = arg;
  void* top = static_cast<char*>(stack.bottom) + stack.size;
  c.fc = ctx::make_fcontext(top, stack.size, &trampoline);
}

void switch_to(FiberCtx& self, FiberCtx& to) {
  self.resuming = &to;
  asan_start(&self.fake_stack, to);
  ctx::transfer_t t = ctx::jump_fcontext(static_cast<ctx::fcontext_t>(to.fc), &self);
  auto* from = static_cast<FiberCtx*>(t.data);
  from->fc = t.fctx;
  asan_finish(self.fake_stack, from);
}

void switch_final(FiberCtx& self, FiberCtx& to) {
  self.resuming = &to;
  asan_start(nullptr, to);
  ctx::jump_fcontext(static_cast<ctx::fcontext_t>(to.fc), &self);
  std::abort();
}

}  // namespace weft::detail
