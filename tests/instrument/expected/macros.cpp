// weft-instrument: instrumented copy of macros.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_622c9b51ffd22bf1_
#define WEFT_SITES_weft_sites_622c9b51ffd22bf1_
inline constexpr ::weft::instr::Site weft_sites_622c9b51ffd22bf1_[] = {
    {"macros.cpp", "macros", 11, 14},
    {"macros.cpp", "macros", 12, 38},
    {"macros.cpp", "macros", 14, 28},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_622c9b51ffd22bf1_columns_[] = {
    {11, 15, 69},
    {12, 18, 20},
    {12, 19, 36},
    {14, 7, 21},
    {14, 8, 36},
};
static const ::weft::instr::ColumnMap weft_sites_622c9b51ffd22bf1_column_map_{"macros.cpp", weft_sites_622c9b51ffd22bf1_columns_, 5};
#endif
#line 1 "macros.cpp"
// Macro arguments are rewritten in place; an access written inside a macro body cannot be
// edited in the file and is skipped (and counted); system macros (assert) are left alone.
#include <cassert>

int g;
int h;
#define SQUARE(x) ((x) * (x))
#define BUMP_G() (g++)
#define SET(lv, v) ((lv) = (v))

int macros() { ::weft::instr::Frame weft_frame_(::weft_sites_622c9b51ffd22bf1_[0]);
  int r = SQUARE(::weft::instr::read(g, ::weft_sites_622c9b51ffd22bf1_[1]));
  BUMP_G();
  SET(::weft::instr::write(h, ::weft_sites_622c9b51ffd22bf1_[2]), 3);
  assert(g >= 0);
  return r;
}
