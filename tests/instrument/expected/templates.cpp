// weft-instrument: instrumented copy of templates.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_74020f5ccaba21e9_
#define WEFT_SITES_weft_sites_74020f5ccaba21e9_
inline constexpr ::weft::instr::Site weft_sites_74020f5ccaba21e9_[] = {
    {"templates.cpp", "Cell::set", 9, 24},
    {"templates.cpp", "Cell::set", 9, 26},
    {"templates.cpp", "Cell::set", 9, 34},
    {"templates.cpp", "Cell::get", 10, 17},
    {"templates.cpp", "Cell::get", 10, 26},
    {"templates.cpp", "add_to_global", 14, 22},
    {"templates.cpp", "add_to_global", 15, 3},
    {"templates.cpp", "reset", 20, 17},
    {"templates.cpp", "reset", 22, 3},
    {"templates.cpp", "templates", 28, 17},
    {"templates.cpp", "templates", 31, 3, "Cell::set"},
    {"templates.cpp", "templates", 32, 3, "Cell::set"},
    {"templates.cpp", "templates", 33, 3, "reset"},
    {"templates.cpp", "templates", 33, 14},
    {"templates.cpp", "templates", 34, 3, "reset"},
    {"templates.cpp", "templates", 35, 10, "Cell::get"},
    {"templates.cpp", "templates", 35, 37, "Cell::get"},
    {"templates.cpp", "templates", 35, 48, "add_to_global"},
    {"templates.cpp", "templates", 35, 67, "add_to_global"},
};
#endif
#line 1 "templates.cpp"
// Templates are rewritten once, on the written text, from what their instantiations agree
// on; where they disagree (here T = int& makes `x` shared, T = int keeps it local) the spot
// is skipped; an uninstantiated template is left as written.
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
  x = 0;
  ::weft::instr::write(g, ::weft_sites_74020f5ccaba21e9_[8]) = 1;
}

template <class T>
void never_used(T* p) { *p = T(); }

int templates() { ::weft::instr::Frame weft_frame_(::weft_sites_74020f5ccaba21e9_[9]);
  Cell<int> a;
  Cell<long> b;
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[10]), a.set(g));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[11]), b.set(2));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[12]), reset<int>(::weft::instr::read(g, ::weft_sites_74020f5ccaba21e9_[13])));
  (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[14]), reset<int&>(g));
  return (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[15]), a.get()) + static_cast<int>((::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[16]), b.get())) + (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[17]), add_to_global(1)) + (::weft::instr::Call(::weft_sites_74020f5ccaba21e9_[18]), add_to_global(2L));
}
