// weft-instrument: instrumented copy of templates.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_74020f5ccaba21e9_
#define WEFT_SITES_weft_sites_74020f5ccaba21e9_
inline constexpr ::weft::instr::Site weft_sites_74020f5ccaba21e9_[] = {
    {"templates.cpp", "Cell::set", 11, 24},
    {"templates.cpp", "Cell::set", 11, 26},
    {"templates.cpp", "Cell::set", 11, 34},
    {"templates.cpp", "Cell::get", 12, 17},
    {"templates.cpp", "Cell::get", 12, 26},
    {"templates.cpp", "add_to_global", 16, 22},
    {"templates.cpp", "add_to_global", 17, 3},
    {"templates.cpp", "reset", 22, 17},
    {"templates.cpp", "reset", 23, 3},
    {"templates.cpp", "reset", 24, 3},
    {"templates.cpp", "bump", 35, 23},
    {"templates.cpp", "bump", 36, 21},
    {"templates.cpp", "bump", 37, 3},
    {"templates.cpp", "size_or_zero", 41, 30},
    {"templates.cpp", "size_or_zero", 45, 12},
    {"templates.cpp", "size_or_zero", 45, 16},
    {"templates.cpp", "templates", 48, 17},
    {"templates.cpp", "templates", 51, 3, "Cell::set"},
    {"templates.cpp", "templates", 52, 3, "Cell::set"},
    {"templates.cpp", "templates", 53, 3, "reset"},
    {"templates.cpp", "templates", 53, 14},
    {"templates.cpp", "templates", 54, 3, "reset"},
    {"templates.cpp", "templates", 56, 3, "bump"},
    {"templates.cpp", "templates", 57, 3, "bump"},
    {"templates.cpp", "templates", 58, 3, "size_or_zero"},
    {"templates.cpp", "templates", 59, 10, "Cell::get"},
    {"templates.cpp", "templates", 59, 37, "Cell::get"},
    {"templates.cpp", "templates", 59, 48, "add_to_global"},
    {"templates.cpp", "templates", 59, 67, "add_to_global"},
};
#endif
#line 1 "templates.cpp"
// Templates are rewritten once, on the written text, from what their instantiations agree
// on. An instantiation that needs no hook on a spot another one needs (T = int& makes `x`
// shared, T = int keeps it local) takes the hook too: the lvalue is valid to wrap in both.
// An instantiation that discarded an `if constexpr` branch has no say in that branch. An
// uninstantiated template is left as written.
int g;

template <class T>
struct Cell {
  T value{};
  void set(const T& v) { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[0]); ::weft::instr::write(value, ::weft_sites_74020f5ccaba21e9_[1]) = ::weft::instr::read(v, ::weft_sites_74020f5ccaba21e9_[2]); }
  T get() const { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[3]); return ::weft::instr::read(value, ::weft_sites_74020f5ccaba21e9_[4]); }
};

template <class T>
T add_to_global(T v) { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[5]);
  ::weft::instr::update(g, ::weft_sites_74020f5ccaba21e9_[6]) += v;
  return v;
}

template <class T>
void reset(T x) { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[7]);
  ::weft::instr::write(x, ::weft_sites_74020f5ccaba21e9_[8]) = 0;
  ::weft::instr::write(g, ::weft_sites_74020f5ccaba21e9_[9]) = 1;
}

template <class T>
void never_used(T* p) { *p = T(); }

struct Counter {
  int n = 0;
};

template <bool B>
void bump(Counter& s) { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[10]);
  if constexpr (!B) ::weft::instr::update(s.n, ::weft_sites_74020f5ccaba21e9_[11])++;  // only bump<false> has this statement
  ::weft::instr::update(s.n, ::weft_sites_74020f5ccaba21e9_[12]) += 2;
}

template <class T>
int size_or_zero(const T& v) { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[13]);
  if constexpr (requires { v.size(); })
    return static_cast<int>(v.size());
  else
    return ::weft::instr::read(g, ::weft_sites_74020f5ccaba21e9_[14]) + ::weft::instr::read(v, ::weft_sites_74020f5ccaba21e9_[15]);  // only instantiations without size() read g
}

int templates() { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[16]);
  Cell<int> a;
  Cell<long> b;
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[17]), a.set(g));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[18]), b.set(2));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[19]), reset<int>(::weft::instr::read(g, ::weft_sites_74020f5ccaba21e9_[20])));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[21]), reset<int&>(g));
  Counter c;
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[22]), bump<true>(c));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[23]), bump<false>(c));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[24]), size_or_zero(1));
  return (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[25]), a.get()) + static_cast<int>((::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[26]), b.get())) + (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[27]), add_to_global(1)) + (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[28]), add_to_global(2L));
}
