// weft-instrument: instrumented copy of lambdas.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_8812f0af40242776_
#define WEFT_SITES_weft_sites_8812f0af40242776_
inline constexpr ::weft::instr::Site weft_sites_8812f0af40242776_[] = {
    {"lambdas.cpp", "lambdas", 6, 15},
    {"lambdas.cpp", "lambdas::<lambda>", 7, 18},
    {"lambdas.cpp", "lambdas::<lambda>", 7, 22},
    {"lambdas.cpp", "lambdas::<lambda>", 9, 27},
    {"lambdas.cpp", "lambdas::<lambda>", 9, 36},
    {"lambdas.cpp", "lambdas::<lambda>", 9, 40},
    {"lambdas.cpp", "lambdas", 12, 22},
    {"lambdas.cpp", "lambdas::<lambda>", 12, 40},
};
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
