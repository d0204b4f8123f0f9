// weft-instrument: instrumented copy of unevaluated.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_8b0480cdb345f5d2_
#define WEFT_SITES_weft_sites_8b0480cdb345f5d2_
inline constexpr ::weft::instr::Site weft_sites_8b0480cdb345f5d2_[] = {
    {"unevaluated.cpp", "unevaluated", 12, 19},
    {"unevaluated.cpp", "unevaluated", 18, 69},
    {"unevaluated.cpp", "unevaluated", 19, 31},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_8b0480cdb345f5d2_columns_[] = {
    {12, 20, 69},
    {18, 49, 20},
    {18, 50, 36},
    {19, 11, 20},
    {19, 12, 36},
};
static const ::weft::instr::ColumnMap weft_sites_8b0480cdb345f5d2_column_map_{"unevaluated.cpp", weft_sites_8b0480cdb345f5d2_columns_, 5};
#endif
#line 1 "unevaluated.cpp"
// Unevaluated operands, constant expressions and compile-time functions are left alone.
#include <typeinfo>

int g;
int arr[4];

constexpr int square(int x) { return x * x; }
consteval int cube(int x) { return x * x * x; }
template <class T>
constexpr T twice(T v) { return v + v; }

int unevaluated() { ::weft::instr::Frame weft_frame_(::weft_sites_8b0480cdb345f5d2_[0]);
  static_assert(sizeof(g) == sizeof(int));
  decltype(g) copy = 0;
  bool nothrow = noexcept(g++);
  const char* name = typeid(arr[0]).name();
  int n = sizeof arr / sizeof arr[0];
  if constexpr (sizeof(int) == 4) copy = square(::weft::instr::read(g, ::weft_sites_8b0480cdb345f5d2_[1]));
  switch (::weft::instr::read(g, ::weft_sites_8b0480cdb345f5d2_[2])) {
    case square(2): break;
  }
  return copy + nothrow + (name != nullptr) + n + cube(2) + twice(3);
}
