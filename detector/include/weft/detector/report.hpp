// weft/detector/report.hpp — what the detector hands back: reports of data races and
// lock-order inversions, and their text and JSON renderings (schema: detector/REPORTS.md).
//
// Reports hold copies of everything they need (names, call chains), so they stay valid after
// the detector is reset. File and function strings in a Loc point at static strings, as the
// events that produced them did.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weft::det {

// The same type as the runtime's weft::GoId (weft/events.hpp), declared here because the
// detector may not include runtime headers; the runtime's race sink checks that they agree.
using GoId = std::uint64_t;

// A source location with static lifetime (file and function are never null).
struct Loc {
  const char* file = "";
  const char* function = "";
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// What an access does. An atomic operation (std::atomic, std::atomic_ref) is the same kind
// with kAtomicBit set: two atomic accesses never race with each other, while an atomic
// store or read-modify-write races with a plain read or write that is not ordered with it,
// and an atomic load with a plain write (C++ [intro.races]).
enum class Access : std::uint8_t {
  read,
  write,
  update,  // read-modify-write
  atomic_read = 4,
  atomic_write,
  atomic_update,
};
inline constexpr std::uint8_t kAtomicBit = 4;
constexpr bool is_atomic(Access a) noexcept { return (static_cast<std::uint8_t>(a) & kAtomicBit) != 0; }
// The kind without the atomic bit.
constexpr Access plain(Access a) noexcept {
  return static_cast<Access>(static_cast<std::uint8_t>(a) & ~kAtomicBit);
}

enum class ReportKind : std::uint8_t { data_race, lock_order_inversion };

// "data race" / "lock-order inversion": the `kind` string of the text and JSON forms.
const char* to_string(ReportKind kind) noexcept;
// "read" / "write" / "update", atomic or not (is_atomic says which).
const char* to_string(Access kind) noexcept;

// A goroutine as a report names it.
struct GoroutineRef {
  GoId id = 0;
  std::string name;             // may be empty
  GoId parent = 0;              // the goroutine that started it; 0: a root goroutine
  std::vector<Loc> created_at;  // the go statement first, then the spawner's call chain
};

// One side of a data race.
struct AccessRef {
  Access kind = Access::read;
  GoroutineRef goroutine;
  std::vector<Loc> stack;  // the access itself first, then enclosing functions, innermost first
};

// One edge of a lock-order cycle: `goroutine` acquired `acquired` while holding `held`.
struct LockEdge {
  std::uintptr_t held = 0;
  std::uintptr_t acquired = 0;
  bool exclusive = true;  // how `acquired` was taken
  GoroutineRef goroutine;
  std::vector<Loc> held_at;      // where `held` had been acquired (and its call chain)
  std::vector<Loc> acquired_at;  // where `acquired` was acquired (and its call chain)
};

struct Report {
  ReportKind kind = ReportKind::data_race;
  // data_race: the current access's address and size, and the two conflicting accesses.
  std::uintptr_t address = 0;
  std::size_t size = 0;
  std::size_t conflict_offset = 0;  // first conflicting byte, relative to `address`
  AccessRef current;
  AccessRef previous;
  // lock_order_inversion: the edges of the cycle, in order (each edge's `acquired` is the
  // next edge's `held`; the last edge closes the cycle).
  std::vector<LockEdge> cycle;
};

struct RenderOptions {
  // Addresses differ between runs, so by default they are left out and reports are
  // byte-identical on replay. Turn on to print them (text) / include them (JSON).
  bool addresses = false;
};

// Renders one report as a text block, starting with a "==================" line and
// ending with one (and a newline).
std::string render_text(const Report& report, const RenderOptions& options = {});
// Renders all reports, one block after another.
std::string render_text(const std::vector<Report>& reports, const RenderOptions& options = {});

// JSON: one report as an object, or all reports as {"version":1,"reports":[...]}.
// Compact unless `indent` >= 0 (then pretty-printed with that many spaces).
std::string render_json(const Report& report, const RenderOptions& options = {}, int indent = -1);
std::string render_json(const std::vector<Report>& reports, const RenderOptions& options = {},
                        int indent = -1);

}  // namespace weft::det
