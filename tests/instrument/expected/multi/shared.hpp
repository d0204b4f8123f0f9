// weft-instrument: instrumented copy of multi/shared.hpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_f093792d761aa2a6_
#define WEFT_SITES_weft_sites_f093792d761aa2a6_
inline constexpr ::weft::instr::Site weft_sites_f093792d761aa2a6_[] = {
    {"multi/shared.hpp", "add_shared", 6, 31},
    {"multi/shared.hpp", "add_shared", 6, 124},
    {"multi/shared.hpp", "load", 9, 20},
    {"multi/shared.hpp", "load", 10, 30},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_f093792d761aa2a6_columns_[] = {
    {6, 32, 69},
    {6, 33, 22},
    {6, 45, 36},
    {9, 21, 69},
    {10, 10, 20},
    {10, 12, 36},
};
static const ::weft::instr::ColumnMap weft_sites_f093792d761aa2a6_column_map_{"multi/shared.hpp", weft_sites_f093792d761aa2a6_columns_, 6};
#endif
#line 1 "multi/shared.hpp"
// A header included by two translation units: instrumented once, by one writer.
#pragma once

inline int shared_total;

inline void add_shared(int n) { ::weft::instr::Frame weft_frame_(::weft_sites_f093792d761aa2a6_[0]); ::weft::instr::update(shared_total, ::weft_sites_f093792d761aa2a6_[1]) += n; }

template <class T>
T load(const T* p) { ::weft::instr::Frame weft_frame_(::weft_sites_f093792d761aa2a6_[2]);
  return ::weft::instr::read(*p, ::weft_sites_f093792d761aa2a6_[3]);
}
