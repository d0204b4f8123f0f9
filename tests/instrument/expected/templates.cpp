// weft-instrument: instrumented copy of templates.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_74020f5ccaba21e9_
#define WEFT_SITES_weft_sites_74020f5ccaba21e9_
inline constexpr ::weft::instr::Site weft_sites_74020f5ccaba21e9_[] = {
    {"templates.cpp", "Cell::set", 11, 24},
    {"templates.cpp", "Cell::set", 11, 116},
    {"templates.cpp", "Cell::set", 11, 180},
    {"templates.cpp", "Cell::get", 12, 17},
    {"templates.cpp", "Cell::get", 12, 115},
    {"templates.cpp", "add_to_global", 16, 22},
    {"templates.cpp", "add_to_global", 17, 25},
    {"templates.cpp", "reset", 22, 17},
    {"templates.cpp", "reset", 23, 24},
    {"templates.cpp", "reset", 24, 24},
    {"templates.cpp", "bump", 35, 23},
    {"templates.cpp", "bump", 36, 43},
    {"templates.cpp", "bump", 37, 25},
    {"templates.cpp", "size_or_zero", 41, 30},
    {"templates.cpp", "size_or_zero", 45, 32},
    {"templates.cpp", "size_or_zero", 45, 93},
    {"templates.cpp", "templates", 48, 17},
    {"templates.cpp", "templates", 51, 61, "Cell::set"},
    {"templates.cpp", "templates", 52, 61, "Cell::set"},
    {"templates.cpp", "templates", 53, 61, "reset"},
    {"templates.cpp", "templates", 53, 92},
    {"templates.cpp", "templates", 54, 61, "reset"},
    {"templates.cpp", "templates", 56, 61, "bump"},
    {"templates.cpp", "templates", 57, 61, "bump"},
    {"templates.cpp", "templates", 58, 61, "size_or_zero"},
    {"templates.cpp", "templates", 59, 68, "Cell::get"},
    {"templates.cpp", "templates", 59, 154, "Cell::get"},
    {"templates.cpp", "templates", 59, 224, "add_to_global"},
    {"templates.cpp", "templates", 59, 302, "add_to_global"},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_74020f5ccaba21e9_columns_[] = {
    {11, 25, 69},
    {11, 26, 21},
    {11, 31, 36},
    {11, 34, 20},
    {11, 35, 36},
    {12, 18, 69},
    {12, 26, 20},
    {12, 31, 36},
    {16, 23, 69},
    {17, 3, 22},
    {17, 4, 36},
    {22, 18, 69},
    {23, 3, 21},
    {23, 4, 36},
    {24, 3, 21},
    {24, 4, 36},
    {35, 24, 70},
    {36, 21, 22},
    {36, 24, 37},
    {37, 3, 22},
    {37, 6, 37},
    {41, 31, 70},
    {45, 12, 20},
    {45, 13, 37},
    {45, 16, 20},
    {45, 17, 37},
    {48, 18, 70},
    {51, 3, 58},
    {51, 11, 1},
    {52, 3, 58},
    {52, 11, 1},
    {53, 3, 58},
    {53, 14, 20},
    {53, 15, 37},
    {53, 16, 1},
    {54, 3, 58},
    {54, 17, 1},
    {56, 3, 58},
    {56, 16, 1},
    {57, 3, 58},
    {57, 17, 1},
    {58, 3, 58},
    {58, 18, 1},
    {59, 10, 58},
    {59, 17, 1},
    {59, 37, 58},
    {59, 44, 1},
    {59, 48, 58},
    {59, 64, 1},
    {59, 67, 58},
    {59, 84, 1},
};
static const ::weft::instr::ColumnMap weft_sites_74020f5ccaba21e9_column_map_{"templates.cpp", weft_sites_74020f5ccaba21e9_columns_, 51};
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
