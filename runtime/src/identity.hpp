// Goroutine identities that are stable across iterations.
//
// A goroutine's id (G::id) is its creation number within one iteration, so the same logical
// goroutine gets different ids in schedules that spawn in different orders. Its identity
// instead names it by how it came to be: the identity of its parent, the site of the
// `go` statement (file, line, column), and its ordinal among the children that parent
// created at that site. The same program run under any schedule gives the same logical
// goroutine the same identity, as long as each goroutine's own sequence of spawns does not
// depend on the schedule. Strategies learn per identity across iterations (SURW's event
// estimates), and traces name goroutines by it so two schedules can be compared.
//
// Invariants:
//  - the main goroutine's identity is kMainIdentity;
//  - a goroutine started by a timer (time.AfterFunc) is a child of the timer root, at a site
//    named by the goroutine's name;
//  - identities never depend on addresses (file names are hashed by content), so they are the
//    same across processes running the same binary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "weft/events.hpp"

namespace weft::detail {

inline constexpr std::uint64_t kMainIdentity = 0x6d61696e00000001ull;
inline constexpr std::uint64_t kTimerRootIdentity = 0x74696d6572000001ull;

// A hash of a `go` site: its file's name (by content), line and column.
std::uint64_t site_hash(const Location& where) noexcept;
// A hash of a name (a timer goroutine's site).
std::uint64_t name_hash(std::string_view name) noexcept;

// Hands out identities to the children created in one iteration.
class IdentityMinter {
 public:
  // The identity of the next child of `parent` created at the site hashed as `site`.
  std::uint64_t child(std::uint64_t parent, std::uint64_t site);
  void clear() { ordinals_.clear(); }

 private:
  std::unordered_map<std::uint64_t, std::uint32_t> ordinals_;  // (parent, site) -> children
};

// "g:" and 12 hex digits: how traces show an identity.
std::string format_identity(std::uint64_t identity);

}  // namespace weft::detail
