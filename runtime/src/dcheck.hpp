// WEFT_DCHECK(cond, msg): checks an internal invariant in debug builds (NDEBUG not
// defined); a violation prints the condition, the message and file:line, then aborts.
// Compiled out otherwise, so it may state invariants that are costly to test. For the
// runtime's own invariants only (those written at the top of controlled.hpp,
// chan_core.hpp, ...): user errors get a Panic or a clear failure report instead.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace weft::detail {

[[noreturn]] inline void dcheck_failed(const char* cond, const char* msg, const char* file,
                                       int line) noexcept {
  std::fprintf(stderr, "weft: internal invariant violated at %s:%d: %s\n  (%s)\n", file, line,
               msg, cond);
  std::abort();
}

}  // namespace weft::detail

// A macro, not a function: it names the condition's text and the caller's line, and costs
// nothing, not even evaluating its arguments, in release builds.
#ifdef NDEBUG
#define WEFT_DCHECK(cond, msg) static_cast<void>(sizeof(static_cast<bool>(cond)))
#else
#define WEFT_DCHECK(cond, msg) \
  ((cond) ? static_cast<void>(0) : ::weft::detail::dcheck_failed(#cond, msg, __FILE__, __LINE__))
#endif
