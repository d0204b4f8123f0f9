// Clang's thread-safety attributes (-Wthread-safety), empty for other compilers. They turn
// the "guarded by" comments of the runtime into facts the compiler checks: a field marked
// WEFT_GUARDED_BY(lk_) read or written without lk_ held, a function marked
// WEFT_REQUIRES(lk_) called without it, or a lock still held at the end of a scope it did
// not leave held, is a compile error in the CI build that uses Clang with -Wthread-safety.
#pragma once

#if defined(__clang__)
#define WEFT_TSA(x) __attribute__((x))
#else
#define WEFT_TSA(x)
#endif

// A type that is a lock (a "capability" in Clang's terms).
#define WEFT_CAPABILITY(name) WEFT_TSA(capability(name))
// An RAII guard that holds a capability for its lifetime.
#define WEFT_SCOPED_CAPABILITY WEFT_TSA(scoped_lockable)
// A field that may be touched only with the lock held.
#define WEFT_GUARDED_BY(lk) WEFT_TSA(guarded_by(lk))
// A function that must be called with the lock held (and returns with it held).
#define WEFT_REQUIRES(...) WEFT_TSA(requires_capability(__VA_ARGS__))
// A function that takes the lock (returns with it held) or releases it.
#define WEFT_ACQUIRE(...) WEFT_TSA(acquire_capability(__VA_ARGS__))
#define WEFT_RELEASE(...) WEFT_TSA(release_capability(__VA_ARGS__))
#define WEFT_TRY_ACQUIRE(...) WEFT_TSA(try_acquire_capability(__VA_ARGS__))
// A function that must be called without the lock held.
#define WEFT_EXCLUDES(...) WEFT_TSA(locks_excluded(__VA_ARGS__))
// For code whose locking the analysis cannot follow (a variable number of locks taken in
// an order computed at run time, as select does); say why beside each use.
#define WEFT_NO_THREAD_SAFETY_ANALYSIS WEFT_TSA(no_thread_safety_analysis)
