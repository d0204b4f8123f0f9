// weft/events.hpp — the one narrow interface through which the runtime tells an observer
// (the race detector, or a test recorder) what happened: goroutine lifecycle,
// happens-before edges of the Go memory model, lock acquisitions and memory accesses.
//
// Invariants the runtime keeps when it calls a sink:
//  - ids are unique among goroutines alive at the same time within one iteration; the
//    main goroutine is 1 and a goroutine's id is never 0 (0 means "no goroutine").
//  - go_start(parent, child) is called before the child's first event, and go_end(g) after
//    its last; an id may be handed out again only after go_end.
//  - every event between iteration_begin() and iteration_end() comes from the goroutine
//    named in it; under weft::explore they arrive in one total order on one thread.
// A sink must not call back into the scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string_view>

namespace weft {

// The detector, which may not include runtime headers, declares the same type as
// weft::det::GoId; runtime/src/race.hpp checks that the two agree.
using GoId = std::uint64_t;

// A source location that outlives the call: file and function point at static strings.
struct Location {
  const char* file = "";
  const char* function = "";
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  static constexpr Location from(const std::source_location& s) noexcept {
    return {s.file_name(), s.function_name(), s.line(), s.column()};
  }
};

// An atomic operation (std::atomic, std::atomic_ref under weft-instrument) is recorded with
// an atomic_* kind: it never races with another atomic operation, only with plain accesses.
enum class AccessKind : std::uint8_t {
  read,
  write,
  update,  // read-modify-write
  atomic_read = 4,
  atomic_write,
  atomic_update,
};

struct GoroutineDesc {
  GoId id = 0;
  GoId parent = 0;
  std::string_view name;   // may be empty
  Location created_at;
  // The same logical goroutine has the same identity in every schedule of a program: a hash
  // of its parent's identity, the `go` site and its ordinal among the parent's children
  // there (0 outside weft::explore).
  std::uint64_t identity = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;

  // An explored iteration begins / ends. A sink resets per-iteration state at begin.
  virtual void iteration_begin() {}
  virtual void iteration_end() {}

  // go f(): everything `parent` did before the spawn happens before `child` starts.
  // parent is 0 for the main goroutine of an iteration.
  virtual void go_start(const GoroutineDesc& /*child*/) {}
  virtual void go_end(GoId /*g*/) {}

  // Happens-before through a synchronisation object at `sync` (any unique address):
  //  acquire:        clock(g)    := clock(g) ⊔ clock(sync)
  //  release:        clock(sync) := clock(sync) ⊔ clock(g)
  //  release_store:  clock(sync) := clock(g)
  // (after a release the goroutine's own component advances, as in any vector clock.)
  virtual void acquire(GoId /*g*/, const void* /*sync*/) {}
  virtual void release(GoId /*g*/, const void* /*sync*/) {}
  virtual void release_store(GoId /*g*/, const void* /*sync*/) {}
  // The object at `sync` is gone; its clock may be dropped.
  virtual void sync_free(const void* /*sync*/) {}

  // Lock-order graph: g now holds `mutex` (exclusive or shared), acquired at `where`.
  virtual void lock_acquired(GoId /*g*/, const void* /*mutex*/, bool /*exclusive*/,
                             const Location& /*where*/) {}
  // A try-lock succeeded: g holds `mutex`, but it never waited for it, so no lock-order
  // edge leads into it.
  virtual void lock_try_acquired(GoId /*g*/, const void* /*mutex*/, bool /*exclusive*/,
                                 const Location& /*where*/) {}
  virtual void lock_released(GoId /*g*/, const void* /*mutex*/) {}

  // A plain memory access of `size` bytes at `addr` by g (instrumented code, weft::Shared,
  // weft::race::read/write).
  virtual void access(GoId /*g*/, const void* /*addr*/, std::size_t /*size*/, AccessKind,
                      const Location& /*where*/) {}
  // Memory at [addr, addr+size) was freed or is being reused (stacks, delete).
  virtual void free_range(const void* /*addr*/, std::size_t /*size*/) {}

  // Shadow call stack of instrumented code.
  virtual void func_enter(GoId /*g*/, const Location& /*fn*/) {}
  // The same, when the caller's call site is known (weft::instr::Call): `call` is in the
  // function on top of g's shadow stack.
  virtual void func_enter_from(GoId g, const Location& fn, const Location& /*call*/) {
    func_enter(g, fn);
  }
  virtual void func_exit(GoId /*g*/) {}
};

}  // namespace weft
