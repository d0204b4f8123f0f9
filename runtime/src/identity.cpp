// Stable goroutine identities; see identity.hpp.
#include "identity.hpp"

#include <fmt/format.h>

#include "rng.hpp"

namespace weft::detail {

namespace {
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}
}  // namespace

std::uint64_t site_hash(const Location& where) noexcept {
  std::uint64_t h = fnv1a(where.file ? where.file : "");
  return mix64(h ^ mix64((std::uint64_t{where.line} << 32) | where.column));
}

std::uint64_t name_hash(std::string_view name) noexcept { return mix64(fnv1a(name) ^ 0x6e616d65); }

std::uint64_t IdentityMinter::child(std::uint64_t parent, std::uint64_t site) {
  const std::uint64_t key = mix64(parent ^ mix64(site));
  const std::uint32_t ordinal = ordinals_[key]++;
  // Never 0 (no identity) nor one of the roots, whatever the hash gives.
  std::uint64_t id = mix64(key + 0x9e3779b97f4a7c15ull * (ordinal + 1));
  if (id == 0 || id == kMainIdentity || id == kTimerRootIdentity) id ^= 0x5a5a;
  return id;
}

std::string format_identity(std::uint64_t identity) {
  return fmt::format("g:{:012x}", identity & 0xffffffffffffull);
}

}  // namespace weft::detail
