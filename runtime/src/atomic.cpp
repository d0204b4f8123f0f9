// The runtime side of weft::Atomic: a scheduling point before each operation, and its
// happens-before edges. Stores and read-modify-writes release (join) into the atomic's
// clock, loads acquire from it, so a store happens before a load that observes it.
#include "weft/atomic.hpp"

#include "scheduler.hpp"

namespace weft::detail {

namespace {
EventSink* sink_in_goroutine() {
  Scheduler* s = current_scheduler();
  return s && s->current() ? s->events() : nullptr;
}
}  // namespace

void atomic_before(Location where) {
  if (in_goroutine()) visible(where);
}

void atomic_load_edge(const void* a) {
  if (EventSink* ev = sink_in_goroutine()) ev->acquire(current()->id, a);
}

void atomic_store_edge(const void* a) {
  if (EventSink* ev = sink_in_goroutine()) ev->release(current()->id, a);
}

void atomic_rmw_edge(const void* a) {
  if (EventSink* ev = sink_in_goroutine()) {
    ev->acquire(current()->id, a);
    ev->release(current()->id, a);
  }
}

void atomic_forget(const void* a) noexcept {
  if (EventSink* ev = events()) ev->sync_free(a);
}

}  // namespace weft::detail
