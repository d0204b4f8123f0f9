// weft/instr.hpp — the instrumentation ABI that weft-instrument's rewritten code calls.
//
// Each hook takes an lvalue, records the access with a static source-location record and
// returns the same lvalue, so `x = y + 1` becomes
//     weft::instr::write(x, site_a) = weft::instr::read(y, site_b) + 1;
// and keeps its meaning: the lvalue is evaluated exactly once, by the caller.
// Outside a weft run each hook costs one predictable branch on a thread-local pointer; under
// race detection an access that repeats one of its goroutine's current epoch ends inline
// too (weft/detail/access.hpp).
// The hooks are constexpr and do nothing during constant evaluation, so rewritten
// constexpr code still runs at compile time. Function bodies open with a Frame and calls of
// instrumented functions are wrapped as `(weft::instr::Call(site), f(args))`, which gives
// the race detector call chains with the line of each call.
// Under weft::explore an access is recorded by the race detector and may also be a
// scheduling point (ExploreOptions::schedule_accesses), so interleavings at the granularity
// of plain memory are explored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <type_traits>

#include "weft/detail/access.hpp"
#include "weft/events.hpp"

namespace weft::instr {

// Text inserted into an instrumented copy: at original `column` of `line`, `inserted`
// bytes. Columns the compiler reports for the copy (std::source_location, Site records)
// are copy columns; reports translate them back through these, so every location a user
// sees is one of the original source.
struct ColumnShift {
  std::uint32_t line;
  std::uint32_t column;
  std::uint32_t inserted;
};
// Registers a copy's shifts (sorted by line, then column) for `file` as the copy names it
// in its #line directive. weft-instrument emits one static ColumnMap per copy.
struct ColumnMap {
  ColumnMap(const char* file, const ColumnShift* shifts, std::size_t count) noexcept;
};

// One per instrumented spot; weft-instrument emits them as static constants. `column` is
// the column in the instrumented copy (see ColumnShift).
struct Site {
  const char* file;
  const char* function;  // the function the spot is in
  unsigned line;
  unsigned column;
  const char* callee = nullptr;  // for a call site: the function called
};

namespace detail {
// Non-null exactly while the calling thread runs a goroutine of a weft run that records
// instrumented accesses (race detection, an event sink) or schedules at them.
extern thread_local constinit void* active;
void record(const void* addr, std::size_t size, AccessKind kind, const Site& site);
void enter(const Site& fn);
void exit();
void push_call(const Site& at);
void pop_call();

template <class T>
inline const void* address(T& lv) noexcept {
  return const_cast<const void*>(static_cast<const volatile void*>(std::addressof(lv)));
}

// A standard algorithm over a whole container, [c.begin(), c.end()): the elements with
// `kind`, and the container object (read) where the elements do not live inside it.
template <class C>
void record_elements(const C& c, AccessKind kind, const Site& site) {
  const auto object = reinterpret_cast<std::uintptr_t>(std::addressof(c));
  if constexpr (requires { std::data(c); std::size(c); }) {
    const auto* first = std::data(c);
    const auto at = reinterpret_cast<std::uintptr_t>(first);
    if (at < object || at >= object + sizeof(C)) record(std::addressof(c), sizeof(C), AccessKind::read, site);
    if (const std::size_t n = std::size(c)) record(first, n * sizeof(*first), kind, site);
  } else {
    record(std::addressof(c), sizeof(C), AccessKind::read, site);
    for (const auto& e : c) record(std::addressof(e), sizeof(e), kind, site);
  }
}
}  // namespace detail

inline bool active() noexcept { return __builtin_expect(detail::active_here() != nullptr, 0); }
// Whether an access is recorded: a goroutine of such a run runs here (active), or this thread
// runs none while a weft::run with race detection is in progress (its accesses are checked
// under the thread's own identity: weft::detail::outside_observed).
inline bool recording() noexcept { return active() || weft::detail::outside_observed(); }

template <class T>
constexpr T& read(T& lv, const Site& site) {
  if (!std::is_constant_evaluated() && recording() &&
      !weft::detail::access_repeats(detail::address(lv), sizeof(T), AccessKind::read))
    detail::record(detail::address(lv), sizeof(T), AccessKind::read, site);
  return lv;
}
template <class T>
constexpr T& write(T& lv, const Site& site) {
  if (!std::is_constant_evaluated() && recording() &&
      !weft::detail::access_repeats(detail::address(lv), sizeof(T), AccessKind::write))
    detail::record(detail::address(lv), sizeof(T), AccessKind::write, site);
  return lv;
}
// Read-modify-write: compound assignment, ++ and --.
template <class T>
constexpr T& update(T& lv, const Site& site) {
  if (!std::is_constant_evaluated() && recording() &&
      !weft::detail::access_repeats(detail::address(lv), sizeof(T), AccessKind::update))
    detail::record(detail::address(lv), sizeof(T), AccessKind::update, site);
  return lv;
}

// The container of a whole-range standard algorithm (`std::sort(v.begin(), v.end())`): its
// elements are read, or read and written, inside the library.
template <class C>
constexpr C& read_elements(C& c, const Site& site) {
  if (!std::is_constant_evaluated() && recording()) detail::record_elements(c, AccessKind::read, site);
  return c;
}
template <class C>
constexpr C& update_elements(C& c, const Site& site) {
  if (!std::is_constant_evaluated() && recording())
    detail::record_elements(c, AccessKind::update, site);
  return c;
}

// Accesses that cannot be expressed as an lvalue of a complete type: a bit-field's enclosing
// object, a memcpy-like range.
constexpr void read_range(const volatile void* addr, std::size_t size, const Site& site) {
  if (!std::is_constant_evaluated() && recording())
    detail::record(const_cast<const void*>(addr), size, AccessKind::read, site);
}
constexpr void write_range(const volatile void* addr, std::size_t size, const Site& site) {
  if (!std::is_constant_evaluated() && recording())
    detail::record(const_cast<const void*>(addr), size, AccessKind::write, site);
}

// Entry/exit guard for the shadow call stack: `weft::instr::Frame weft_frame_(site);` as the
// first statement of an instrumented function body.
class Frame {
 public:
  explicit constexpr Frame(const Site& fn) : on_(!std::is_constant_evaluated() && active()) {
    if (on_) detail::enter(fn);
  }
  constexpr ~Frame() {
    if (on_) detail::exit();
  }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

 private:
  bool on_;
};

// Marks a call of an instrumented function, for the shadow call stack:
// `(::weft::instr::Call(site), f(args))`. The temporary lives to the end of the full
// expression; the callee's Frame takes `site` as the line its caller called it from, so a
// report's call chain shows call sites, as TSan's and Go's do.
class Call {
 public:
  explicit constexpr Call(const Site& at) : on_(!std::is_constant_evaluated() && active()) {
    if (on_) detail::push_call(at);
  }
  constexpr ~Call() {
    if (on_) detail::pop_call();
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

 private:
  bool on_;
};

}  // namespace weft::instr
