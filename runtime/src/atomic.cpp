// The runtime side of weft::Atomic: a scheduling point before each operation, and its
// happens-before edges. A store replaces the atomic's clock with its own (release_store), a
// read-modify-write joins into it, loads acquire from it: so a store happens before a load
// that observes it, and a store that was overwritten before the load publishes nothing.
//
// Under weft::run with race detection, operations on one atomic run on several processors
// at once: each operation and its edge form one atomic section (hb.hpp), so the clock a load
// acquires is that of the store it read. Cost: one uncontended lock per operation, and
// operations on atomics whose addresses share a stripe are serialised.
#include "weft/atomic.hpp"

#include <array>
#include <cstdint>

#include "hb.hpp"
#include "scheduler.hpp"
#include "weft/detail/access.hpp"
#include "weft/detail/spinlock.hpp"

namespace weft::detail {

namespace {
constexpr std::size_t kStripes = 256;
struct alignas(64) Stripe {
  SpinLock lock;
};
std::array<Stripe, kStripes> stripes;
// The stripe this OS thread holds between atomic_section_enter and _leave (no park between).
thread_local constinit SpinLock* held_stripe = nullptr;

std::size_t stripe_of(const void* a) noexcept {
  auto x = reinterpret_cast<std::uintptr_t>(a) >> 3;
  x ^= x >> 17;
  x *= 0x9e3779b97f4a7c15ull;
  return static_cast<std::size_t>(x >> 56) % kStripes;
}
}  // namespace

namespace hb {

bool atomic_section_enter(const void* atomic) noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS {
  Scheduler* s = tls_scheduler;
  if (s == nullptr ? !outside_observed()  // a thread with no scheduler: observed under weft::run
                   : !s->is_parallel() || s->race() == nullptr || s->current() == nullptr)
    return false;
  SpinLock* lk = &stripes[stripe_of(atomic)].lock;
  lk->lock();
  held_stripe = lk;
  return true;
}

void atomic_section_leave() noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS {
  if (SpinLock* lk = held_stripe) {
    held_stripe = nullptr;
    lk->unlock();
  }
}

bool atomic_section_held() noexcept { return held_stripe != nullptr; }

}  // namespace hb

namespace {
// A thread with no scheduler while a weft::run detects races: its atomic operations make
// edges too, under its own identity (outside_events).
bool outside_edges() noexcept { return tls_scheduler == nullptr && outside_observed(); }
}  // namespace

void atomic_before(const void* a, Location where) {
  if (!in_goroutine()) {
    if (outside_edges()) {
      // With one processor, which takes no locks until told, the stripe is a lock again.
      const OutsideOp op;
      if (Scheduler* run = run_in_progress()) let_outside_in(run);
      hb::atomic_section_enter(a);
    }
    return;
  }
  if (!hb::atomic_section_enter(a)) visible(where);  // weft::run: no scheduling point anyway
}

void atomic_load_edge(const void* a) {
  if (in_goroutine())
    hb::acquire(a);
  else if (outside_edges())
    hb::acquire(static_cast<const G*>(nullptr), a);
  hb::atomic_section_leave();
}

// A store replaces the atomic's clock (release_store): a load that observes it is ordered
// after this store, not after earlier stores it overwrote (which it does not observe).
// Read-modify-writes observe the previous value, so they join (acquire + release).
void atomic_store_edge(const void* a) {
  if (in_goroutine())
    hb::release_store(a);
  else if (outside_edges())
    hb::release_store(static_cast<const G*>(nullptr), a);
  hb::atomic_section_leave();
}

void atomic_rmw_edge(const void* a) {
  if (in_goroutine()) {
    hb::acquire(a);
    hb::release(a);
  } else if (outside_edges()) {
    hb::acquire(static_cast<const G*>(nullptr), a);
    hb::release(static_cast<const G*>(nullptr), a);
  }
  hb::atomic_section_leave();
}

void atomic_forget(const void* a) noexcept {
  hb::sync_free(a);
}

}  // namespace weft::detail
