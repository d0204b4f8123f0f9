// The runtime side of weft::Atomic: a scheduling point before each operation, and its
// happens-before edges. A store replaces the atomic's clock with its own (release_store), a
// read-modify-write joins into it, loads acquire from it: so a store happens before a load
// that observes it, and a store that was overwritten before the load publishes nothing.
#include "weft/atomic.hpp"

#include "hb.hpp"
#include "scheduler.hpp"

namespace weft::detail {

void atomic_before(Location where) {
  if (in_goroutine()) visible(where);
}

void atomic_load_edge(const void* a) {
  if (in_goroutine()) hb::acquire(a);
}

// A store replaces the atomic's clock (release_store): a load that observes it is ordered
// after this store, not after earlier stores it overwrote (which it does not observe).
// Read-modify-writes observe the previous value, so they join (acquire + release).
void atomic_store_edge(const void* a) {
  if (in_goroutine()) hb::release_store(a);
}

void atomic_rmw_edge(const void* a) {
  if (in_goroutine()) {
    hb::acquire(a);
    hb::release(a);
  }
}

void atomic_forget(const void* a) noexcept {
  hb::sync_free(a);
}

}  // namespace weft::detail
