// Where in the user's code a std call was made (see std_shim.hpp, user_site).
//
// The interposed pthread function is called from inside libstdc++ (std::thread's
// _M_start_thread) or from a libstdc++ template inlined into the user's function, so its own
// return address names neither. The call stack is unwound (a few return addresses) and each
// address is symbolised with libgcc's libbacktrace, inlined frames included, innermost first;
// the first frame whose file is neither a system header or library (/usr/..., glibc's
// ../sysdeps) nor weft's own (runtime/src, include/weft) is the user's; frames without line
// information are passed over when they are a shared library's, weft's or a std template's
// (by symbol), so the user's frame is found however deep the library's frames go (at -O0
// a std::async has thirteen between the user's call and weft's thread_create). A
// return address is symbolised once per process: the answer is cached and its strings kept
// for good, so a Location may point at them. Without debug information (no -g) nothing has a
// file, and the caller's own description is kept.
#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>

#include "crash.hpp"
#include "os_mutex.hpp"
#include "std_shim.hpp"

#if WEFT_HAVE_LIBBACKTRACE
#include <backtrace.h>
#endif

namespace weft::detail::shim {

#if WEFT_HAVE_LIBBACKTRACE
namespace {

bool foreign(const char* file) {
  return std::strncmp(file, "/usr/", 5) == 0 || std::strncmp(file, "../sysdeps/", 11) == 0 ||
         std::strstr(file, "/runtime/src/") != nullptr ||
         std::strstr(file, "/include/weft/") != nullptr || std::strstr(file, "/bits/") != nullptr;
}

struct Resolved {
  bool known = false;  // symbolised with a file: user's (site set) or foreign
  bool user = false;
  bool passed = false;  // without a file, but weft's or a library's: look further out
  Location site;
};

struct Sites {
  OsMutex mu;
  backtrace_state* state = nullptr;
  std::unordered_map<std::uintptr_t, Resolved> by_pc;
  std::deque<std::string> strings;  // never shrinks: Locations point into it

  const char* keep(const char* s) { return strings.emplace_back(s ? s : "").c_str(); }
};

Sites& sites() {
  static Sites* s = new Sites;  // never destroyed: reports may be built at exit
  return *s;
}

void ignore_error(void*, const char*, int) {}

struct PcWalk {
  Sites* s;
  Resolved r;
  const char* what;
};

int on_frame(void* data, std::uintptr_t, const char* file, int line, const char* function) {
  auto* w = static_cast<PcWalk*>(data);
  if (!file) return 0;
  w->r.known = true;
  if (foreign(file)) return 0;
  w->r.user = true;
  const std::string fn = std::string(w->what) + " in " + (function ? function : "?");
  w->r.site = Location{w->s->keep(file), w->s->keep(fn.c_str()),
                       static_cast<std::uint32_t>(line), 0};
  return 1;  // the innermost user frame: stop
}

void on_symbol(void* data, std::uintptr_t, const char* name, std::uintptr_t, std::uintptr_t) {
  *static_cast<const char**>(data) = name;
}

// Mangled-name prefixes of functions that are never the user's: weft's own (built without
// -g), the pthread functions it interposes, and the standard library's templates, which a
// translation unit built without -g instantiates in the program itself (the linker may keep
// that copy for a user's file that has line information: the user's frame is further out).
constexpr const char* kNotUsers[] = {"_ZN4weft", "_ZNK4weft", "pthread_", "__pthread",
                                     "_ZNSt",    "_ZNKSt",    "_ZSt",     "_ZN9__gnu_cxx",
                                     "_ZNK9__gnu_cxx", "__gthread"};

// A frame without line information is passed over when it is in a shared library
// (libstdc++.so, libc.so) or its symbol is one of kNotUsers; any other is the user's, built
// without -g, whose line is unknown.
bool weft_or_library(Sites& s, std::uintptr_t pc) {
  Dl_info info;
  if (::dladdr(reinterpret_cast<void*>(pc), &info) && info.dli_fname &&
      std::strstr(info.dli_fname, ".so"))
    return true;
  const char* name = nullptr;
  backtrace_syminfo(s.state, pc, on_symbol, ignore_error, &name);
  if (!name) return false;
  for (const char* prefix : kNotUsers)
    if (std::strncmp(name, prefix, std::strlen(prefix)) == 0) return true;
  return false;
}

// How many frames that are not the user's the walk passes before it gives up (and keeps the
// caller's description): deeper than any library path from a std call to the interposed
// function (thirteen for a std::async at -O0), bounded for a stack with no user
// frame at all (a library's own thread), whose walk would otherwise reach the stack's base.
constexpr int kMaxPassed = 64;

// The unwind, innermost frame first; it stops at the first frame that decides. The cache
// is by return address alone: one address makes one call, so one kind of std call (what).
struct Walk {
  Sites* s;
  const Location* fallback;
  int frames = 0;
  Location answer;
};

int on_pc(void* data, std::uintptr_t pc) {
  auto* w = static_cast<Walk*>(data);
  Sites& s = *w->s;
  auto [it, fresh] = s.by_pc.try_emplace(pc);
  if (fresh) {
    explore_busy.store(true, std::memory_order_relaxed);  // the watchdog's hang clock stops
    PcWalk pw{&s, {}, w->fallback->function};
    backtrace_pcinfo(s.state, pc, on_frame, ignore_error, &pw);
    if (!pw.r.known) pw.r.passed = weft_or_library(s, pc);
    it->second = pw.r;
    note_progress();
    explore_busy.store(false, std::memory_order_relaxed);
  }
  if (it->second.user) {
    w->answer = it->second.site;
    return 1;
  }
  if (!it->second.known && !it->second.passed) return 1;  // the user's, without -g
  return ++w->frames == kMaxPassed ? 1 : 0;
}

}  // namespace

Location user_site(const Location& fallback) {
  Internal internal;  // the unwinder and libbacktrace may lock and allocate
  Sites& s = sites();
  OsLock lock(s.mu);
  if (!s.state) s.state = backtrace_create_state(nullptr, /*threaded=*/1, ignore_error, nullptr);
  if (!s.state) return fallback;
  Walk w{&s, &fallback, 0, fallback};
  backtrace_simple(s.state, /*skip=*/1, on_pc, ignore_error, &w);
  return w.answer;
}

#else

Location user_site(const Location& fallback) { return fallback; }

#endif

}  // namespace weft::detail::shim
