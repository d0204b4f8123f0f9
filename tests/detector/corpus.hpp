// The detector corpus: small programs, each known to be racy or race-free under Go's memory
// model, run under weft::explore. Each topic file contributes one table.
//
// Shared memory is touched only through weft::Shared<T> or weft::race::read/write, so what
// the detector sees is exactly what the program says.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace corpus {

inline constexpr bool kRacy = true;
inline constexpr bool kFree = false;

struct Program {
  std::string name;  // a valid GoogleTest parameter name: [A-Za-z0-9_]
  bool racy;
  std::function<void()> body;
  // Options beyond the defaults (iterations 200, no environment).
  std::vector<std::string> suppressions = {};
  std::uint64_t iterations = 200;
};

// GoogleTest prints a parameter on failure; the name is what identifies it.
inline void PrintTo(const Program& p, std::ostream* os) { *os << p.name; }

std::vector<Program> chan_programs();
std::vector<Program> sync_programs();
std::vector<Program> atomic_programs();
std::vector<Program> memory_programs();
std::vector<Program> misc_programs();

// Memory reused through the allocator: a block freed with free() and handed out again, and
// an object freed by the last std::shared_ptr owner in another goroutine (the reference
// count's synchronisation reaches the detector through weft/glibcxx_sync.hpp).
std::vector<Program> memory_allocator_programs();
// Frees and reallocs racing with an access (empty where the C allocation hooks are compiled
// out: under AddressSanitizer or ThreadSanitizer).
std::vector<Program> heap_release_race_programs();

// Lets a goroutine's work be ordered after another's in the schedule without any
// happens-before edge: virtual time only advances once every goroutine is blocked.
inline void let_others_run() { weft::sleep(std::chrono::milliseconds(1)); }

}  // namespace corpus
