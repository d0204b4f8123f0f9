// The happens-before hooks (Go's race.go): one thin wrapper per event that the runtime's
// primitives report at a synchronisation edge, each doing the "is anyone listening" test
// once, so channel, sync, atomic and annotation code calls them inline at the edge.
//
// Two forms, as Go's raceacquire / raceacquireg:
//  - hb::acquire(g, addr) names the goroutine (a channel waker acting for the waiter it
//    completes, a timer's armer); g may be null (id 0).
//  - hb::acquire(addr) is the running goroutine, looked up only when a sink listens, so a
//    run without one pays one test per hook. Outside a goroutine the caller checks
//    in_goroutine() first (current() throws there).
// The events themselves, and the edges each primitive makes, are described in
// weft/events.hpp and in the primitive's own file (chan.cpp, sync.cpp, atomic.cpp).
#pragma once

#include <cstddef>

#include "scheduler.hpp"
#include "weft/detail/runtime.hpp"

namespace weft::detail {
class Scheduler;
// The controlled scheduler's record of who holds which lock (runtime.cpp; no-op elsewhere).
void note_lock_held(const void* mutex, bool exclusive, Location where);
void note_lock_dropped(const void* mutex);
}  // namespace weft::detail

namespace weft::detail::hb {

// The running goroutine's id; 0 on a thread that runs no goroutine and has no scheduler (a
// thread of weft::run's program, a blocking call's worker), which the sink events() gives
// such a thread names by the thread's own identity (outside_events).
inline GoId caller_id() { return tls_scheduler != nullptr ? id_of(current()) : 0; }

// acquire: the goroutine's clock joins the clock at addr.
inline void acquire(const G* g, const void* addr) {
  if (EventSink* ev = events()) ev->acquire(id_of(g), addr);
}
inline void acquire(const void* addr) {
  if (EventSink* ev = events()) ev->acquire(caller_id(), addr);
}

// release: the clock at addr joins the goroutine's clock.
inline void release(const G* g, const void* addr) {
  if (EventSink* ev = events()) ev->release(id_of(g), addr);
}
inline void release(const void* addr) {
  if (EventSink* ev = events()) ev->release(caller_id(), addr);
}

// release_store: the clock at addr becomes a copy of the goroutine's clock.
inline void release_store(const G* g, const void* addr) {
  if (EventSink* ev = events()) ev->release_store(id_of(g), addr);
}
inline void release_store(const void* addr) {
  if (EventSink* ev = events()) ev->release_store(caller_id(), addr);
}

// release_acquire (Go's racereleaseacquireg): acquire, then release_store, at addr; a
// channel slot or rendezvous passes the goroutine's clock both ways through it.
inline void release_acquire(const G* g, const void* addr) {
  if (EventSink* ev = events()) {
    ev->acquire(id_of(g), addr);
    ev->release_store(id_of(g), addr);
  }
}

// The sync object at addr is gone: its clock is dropped, and an object allocated there
// later starts with none.
inline void sync_free(const void* addr) {
  if (EventSink* ev = events()) ev->sync_free(addr);
}

// A memory access that models a rule of a primitive rather than user data (Go's race.Read /
// race.Write inside sync): a WaitGroup's Add from zero "reads" the group and its first
// blocking Wait "writes" it, so the two race unless one happens before the other.
inline void model_access(const void* addr, std::size_t size, AccessKind kind, Location where) {
  if (EventSink* ev = events()) ev->access(caller_id(), addr, size, kind, where);
}
// The memory a modelled access used is gone (the object is destroyed).
inline void model_free(const void* addr, std::size_t size) {
  if (EventSink* ev = events()) ev->free_range(addr, size);
}

// An atomic operation and its edges as one step (weft::Atomic, instrumented std::atomic):
// under weft::run with race detection, enter() locks a lock chosen by the atomic's address
// and leave() unlocks it, so the detector records the edges of the operations on one atomic
// in the order they took effect (a load that read a store acquires that store's clock, not
// an earlier or later one). Elsewhere enter() returns false and takes nothing. Nothing
// between the two may park: the lock is the OS thread's.
bool atomic_section_enter(const void* atomic) noexcept;
void atomic_section_leave() noexcept;
// Whether this OS thread is inside an atomic section.
bool atomic_section_held() noexcept;

// Lock events of the running goroutine, for the lock-order graph and report context (the
// lock's happens-before edges are the acquire/release calls beside them).
inline void lock_acquired(const void* mutex, bool exclusive, Location where) {
  note_lock_held(mutex, exclusive, where);
  if (EventSink* ev = events()) ev->lock_acquired(caller_id(), mutex, exclusive, where);
}
inline void lock_try_acquired(const void* mutex, bool exclusive, Location where) {
  note_lock_held(mutex, exclusive, where);
  if (EventSink* ev = events()) ev->lock_try_acquired(caller_id(), mutex, exclusive, where);
}
inline void lock_released(const void* mutex) {
  note_lock_dropped(mutex);
  if (EventSink* ev = events()) ev->lock_released(caller_id(), mutex);
}

// An exclusive lock's two edges under the controlled scheduler `s` (the running goroutine's
// scheduler, not parallel): mutex_locked is acquire(mutex) then lock_acquired(mutex, true,
// where); mutex_unlocking is release_store(mutex) then lock_released(mutex), and the
// unlock's point stamp (Scheduler::unlocking), which it returns. When the race detector
// alone observes the run (Scheduler::direct_race), each pair is one call into it. Both are
// direct calls into the controlled scheduler (controlled.cpp), with the lock record kept
// for reports updated inline: Mutex runs them on every uncontended lock and unlock.
void mutex_locked(Scheduler& s, const void* mutex, const Location& where);
std::uint64_t mutex_unlocking(Scheduler& s, const void* mutex, const Location& where);

}  // namespace weft::detail::hb
