// weft-instrument: instrumented copy of multi/second.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_5acfdb092c5e38d2_
#define WEFT_SITES_weft_sites_5acfdb092c5e38d2_
inline constexpr ::weft::instr::Site weft_sites_5acfdb092c5e38d2_[] = {
    {"multi/second.cpp", "second", 3, 28},
    {"multi/second.cpp", "second", 4, 60, "add_shared"},
    {"multi/second.cpp", "second", 5, 67, "load"},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_5acfdb092c5e38d2_columns_[] = {
    {3, 29, 69},
    {4, 3, 57},
    {4, 16, 1},
    {5, 10, 57},
    {5, 17, 1},
};
static const ::weft::instr::ColumnMap weft_sites_5acfdb092c5e38d2_column_map_{"multi/second.cpp", weft_sites_5acfdb092c5e38d2_columns_, 5};
#endif
#line 1 "multi/second.cpp"
#include "shared.hpp"

long second(const long* p) { ::weft::instr::Frame weft_frame_(::weft_sites_5acfdb092c5e38d2_[0]);
  (::weft::instr::Call(::weft_sites_5acfdb092c5e38d2_[1]), add_shared(2));
  return (::weft::instr::Call(::weft_sites_5acfdb092c5e38d2_[2]), load(p));
}
