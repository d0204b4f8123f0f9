// weft-instrument: instrumented copy of multi/first.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_4cd814b78f2f0086_
#define WEFT_SITES_weft_sites_4cd814b78f2f0086_
inline constexpr ::weft::instr::Site weft_sites_4cd814b78f2f0086_[] = {
    {"multi/first.cpp", "first", 3, 13},
    {"multi/first.cpp", "first", 4, 60, "add_shared"},
    {"multi/first.cpp", "first", 5, 67, "load"},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_4cd814b78f2f0086_columns_[] = {
    {3, 14, 69},
    {4, 3, 57},
    {4, 16, 1},
    {5, 10, 57},
    {5, 29, 1},
};
static const ::weft::instr::ColumnMap weft_sites_4cd814b78f2f0086_column_map_{"multi/first.cpp", weft_sites_4cd814b78f2f0086_columns_, 5};
#endif
#line 1 "multi/first.cpp"
#include "shared.hpp"

int first() { ::weft::instr::Frame weft_frame_(::weft_sites_4cd814b78f2f0086_[0]);
  (::weft::instr::Call(::weft_sites_4cd814b78f2f0086_[1]), add_shared(1));
  return (::weft::instr::Call(::weft_sites_4cd814b78f2f0086_[2]), load(&shared_total));
}
