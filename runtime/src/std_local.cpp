// thread_local variables under weft::explore: the runtime side of weft::instr::goroutine_local
// (weft/instr_local.hpp), each goroutine's own copies.
//
// Invariants: a goroutine's copies are destroyed when it ends (end_goroutine_locals, from the
// controlled scheduler's fiber entry) or, for one that never ends (killed at teardown), when
// its iteration does (shim::reset_locals from std_iteration_end); so a goroutine record that
// is reused never shows the copies of the goroutine that had it before. Copies are destroyed
// in the reverse order of their making, as a thread's thread_locals are.
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "goroutine.hpp"
#include "scheduler.hpp"
#include "std_shim.hpp"
#include "weft/instr_local.hpp"

namespace weft::instr::detail {

namespace {

using weft::detail::G;

struct Copy {
  const void* original;
  void* copy;
  DestroyLocal destroy;
};

thread_local std::unordered_map<const G*, std::vector<Copy>> copies;

void destroy_all(std::vector<Copy>& cs) noexcept {
  // A destructor may use another thread_local of the goroutine: take the list first.
  std::vector<Copy> mine = std::move(cs);
  for (auto it = mine.rbegin(); it != mine.rend(); ++it) it->destroy(it->copy);
}

}  // namespace

void* goroutine_local_slot(const void* original, MakeLocal make, DestroyLocal destroy) {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  if (!s || s->is_parallel()) return nullptr;
  G* g = s->current();
  if (!g) return nullptr;
  std::vector<Copy>& cs = copies[g];
  for (const Copy& c : cs)
    if (c.original == original) return c.copy;
  void* copy = make(original);
  copies[g].push_back(Copy{original, copy, destroy});
  return copy;
}

}  // namespace weft::instr::detail

namespace weft::detail::shim {

void end_goroutine_locals(const G* g) noexcept {
  auto& copies = weft::instr::detail::copies;
  auto it = copies.find(g);
  if (it == copies.end()) return;
  std::vector<weft::instr::detail::Copy> cs = std::move(it->second);
  copies.erase(it);
  weft::instr::detail::destroy_all(cs);
}

void reset_locals() noexcept {
  auto& copies = weft::instr::detail::copies;
  while (!copies.empty()) end_goroutine_locals(copies.begin()->first);
}

}  // namespace weft::detail::shim
