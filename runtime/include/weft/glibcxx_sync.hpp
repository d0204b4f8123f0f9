// weft/glibcxx_sync.hpp — makes libstdc++'s reference counts visible to the race detector.
//
// libstdc++ marks the synchronisation of its reference counts (std::shared_ptr, the
// copy-on-write string, locales) with _GLIBCXX_SYNCHRONIZATION_HAPPENS_BEFORE/_AFTER, empty
// by default, for race detectors to define. weft::weft adds `-include` of this header to
// every translation unit that links it, so the last owner's destruction of a shared object is
// ordered after every other owner's release of it, and freeing it is not a false race.
// Outside a weft run each hook costs one branch. It must come before any standard header,
// which is why it is force-included rather than included.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif
void weft_happens_before(const volatile void* addr) noexcept;
void weft_happens_after(const volatile void* addr) noexcept;
#ifdef __cplusplus
}
#endif

#define _GLIBCXX_SYNCHRONIZATION_HAPPENS_BEFORE(A) ::weft_happens_before(A)
#define _GLIBCXX_SYNCHRONIZATION_HAPPENS_AFTER(A) ::weft_happens_after(A)
