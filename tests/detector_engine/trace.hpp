// trace.hpp — helpers to write synthetic event traces against weft::det::Detector.
#pragma once

#include <weft/detector/detector.hpp>

#include <cstdint>

namespace weft::det::testing {

// Debug and sanitizer builds run the big tests (scale, differential) on smaller inputs.
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kShrink = 1;
#else
constexpr std::uint64_t kShrink = 10;
#endif

// A location in a fake source file; line numbers identify events in assertions.
inline Loc at(std::uint32_t line, const char* function = "body") {
  return Loc{"trace.cpp", function, line, 1};
}

// Fake addresses: the detector never dereferences them.
inline const void* addr(std::uintptr_t a) { return reinterpret_cast<const void*>(a); }

constexpr std::uintptr_t kX = 0x10000;  // an 8-aligned variable
constexpr std::uintptr_t kY = 0x20000;
inline const void* sync_obj(int i) { return addr(0x900000 + 64 * static_cast<std::uintptr_t>(i)); }

// A detector with the main goroutine (1) and helpers named after the events.
struct Trace {
  Detector d;
  Trace() { d.go_start(1, 0, "main", at(1, "main")); }

  void go(GoId child, GoId parent, const char* name = "", std::uint32_t line = 2) {
    d.go_start(child, parent, name, at(line, "spawner"));
  }
  void write(GoId g, std::uintptr_t a, std::uint32_t line, std::size_t size = 8) {
    d.access(g, addr(a), size, Access::write, at(line));
  }
  void read(GoId g, std::uintptr_t a, std::uint32_t line, std::size_t size = 8) {
    d.access(g, addr(a), size, Access::read, at(line));
  }
  void update(GoId g, std::uintptr_t a, std::uint32_t line, std::size_t size = 8) {
    d.access(g, addr(a), size, Access::update, at(line));
  }
  std::size_t races() const { return d.report_count(); }
};

}  // namespace weft::det::testing
