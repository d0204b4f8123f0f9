// weft-instrument: instrumented copy of lambdas.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_8812f0af40242776_
#define WEFT_SITES_weft_sites_8812f0af40242776_
inline constexpr ::weft::instr::Site weft_sites_8812f0af40242776_[] = {
    {"lambdas.cpp", "lambdas", 6, 15},
    {"lambdas.cpp", "lambdas::<lambda>", 7, 18},
    {"lambdas.cpp", "lambdas::<lambda>", 7, 113},
    {"lambdas.cpp", "lambdas::<lambda>", 9, 27},
    {"lambdas.cpp", "lambdas::<lambda>", 9, 125},
    {"lambdas.cpp", "lambdas::<lambda>", 9, 185},
    {"lambdas.cpp", "lambdas", 12, 42},
    {"lambdas.cpp", "lambdas::<lambda>", 12, 96},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_8812f0af40242776_columns_[] = {
    {6, 16, 69},
    {7, 19, 69},
    {7, 22, 22},
    {7, 26, 36},
    {9, 28, 69},
    {9, 36, 20},
    {9, 37, 36},
    {9, 40, 20},
    {9, 45, 36},
    {12, 22, 20},
    {12, 27, 36},
    {12, 41, 69},
};
static const ::weft::instr::ColumnMap weft_sites_8812f0af40242776_column_map_{"lambdas.cpp", weft_sites_8812f0af40242776_columns_, 12};
#endif
#line 1 "lambdas.cpp"
// Lambda bodies are functions of their own (with a frame); generic lambdas are rewritten
// once for all their specialisations; explicitly constexpr lambdas are left alone.
int hits;
int limit = 10;

int lambdas() { ::weft::instr::Frame weft_frame_(::weft_sites_8812f0af40242776_[0]);
  auto bump = [] { ::weft::instr::Frame weft_frame_(::weft_sites_8812f0af40242776_[1]); ++::weft::instr::update(hits, ::weft_sites_8812f0af40242776_[2]); };
  bump();
  auto over = [](auto& v) { ::weft::instr::Frame weft_frame_(::weft_sites_8812f0af40242776_[3]); return ::weft::instr::read(v, ::weft_sites_8812f0af40242776_[4]) > ::weft::instr::read(limit, ::weft_sites_8812f0af40242776_[5]); };
  long big = 3;
  int r = over(hits) + over(big);
  auto scaled = [k = ::weft::instr::read(limit, ::weft_sites_8812f0af40242776_[6]) * 2](int x) { ::weft::instr::Frame weft_frame_(::weft_sites_8812f0af40242776_[7]); return x * k; };
  constexpr auto square = [](int x) constexpr { return x * x; };
  return r + scaled(2) + square(3);
}
