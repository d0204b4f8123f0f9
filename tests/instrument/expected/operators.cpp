// weft-instrument: instrumented copy of operators.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_b0d743392f200af3_
#define WEFT_SITES_weft_sites_b0d743392f200af3_
inline constexpr ::weft::instr::Site weft_sites_b0d743392f200af3_[] = {
    {"operators.cpp", "operators", 5, 27},
    {"operators.cpp", "operators", 6, 24},
    {"operators.cpp", "operators", 6, 85},
    {"operators.cpp", "operators", 6, 145},
    {"operators.cpp", "operators", 7, 25},
    {"operators.cpp", "operators", 7, 86},
    {"operators.cpp", "operators", 8, 25},
    {"operators.cpp", "operators", 9, 25},
    {"operators.cpp", "operators", 10, 25},
    {"operators.cpp", "operators", 11, 27},
    {"operators.cpp", "operators", 12, 25},
    {"operators.cpp", "operators", 13, 24},
    {"operators.cpp", "operators", 14, 31},
    {"operators.cpp", "operators", 15, 35},
    {"operators.cpp", "operators", 16, 24},
    {"operators.cpp", "operators", 16, 45},
    {"operators.cpp", "operators", 16, 143},
    {"operators.cpp", "operators", 16, 164},
    {"operators.cpp", "operators", 17, 25},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_b0d743392f200af3_columns_[] = {
    {5, 28, 69},
    {6, 3, 21},
    {6, 4, 36},
    {6, 7, 21},
    {6, 8, 36},
    {6, 11, 20},
    {6, 12, 36},
    {7, 3, 22},
    {7, 4, 36},
    {7, 8, 20},
    {7, 9, 36},
    {8, 3, 22},
    {8, 4, 36},
    {9, 3, 22},
    {9, 4, 36},
    {10, 3, 22},
    {10, 4, 36},
    {11, 5, 22},
    {11, 6, 36},
    {12, 3, 22},
    {12, 4, 37},
    {13, 3, 21},
    {13, 18, 37},
    {14, 11, 20},
    {14, 17, 37},
    {15, 13, 22},
    {15, 14, 37},
    {16, 3, 21},
    {16, 4, 20},
    {16, 5, 74},
    {16, 8, 20},
    {16, 9, 20},
    {16, 10, 74},
    {17, 3, 22},
    {17, 4, 37},
};
static const ::weft::instr::ColumnMap weft_sites_b0d743392f200af3_column_map_{"operators.cpp", weft_sites_b0d743392f200af3_columns_, 35};
#endif
#line 1 "operators.cpp"
// Reads, writes and read-modify-writes in every operator form; results used as lvalues.
int a, b, c;
int* p;

int operators(bool which) { ::weft::instr::Frame weft_frame_(::weft_sites_b0d743392f200af3_[0]);
  ::weft::instr::write(a, ::weft_sites_b0d743392f200af3_[1]) = ::weft::instr::write(b, ::weft_sites_b0d743392f200af3_[2]) = ::weft::instr::read(c, ::weft_sites_b0d743392f200af3_[3]);
  ::weft::instr::update(a, ::weft_sites_b0d743392f200af3_[4]) += ::weft::instr::read(b, ::weft_sites_b0d743392f200af3_[5]);
  ::weft::instr::update(a, ::weft_sites_b0d743392f200af3_[6]) -= 1;
  ::weft::instr::update(a, ::weft_sites_b0d743392f200af3_[7]) *= 2;
  ::weft::instr::update(a, ::weft_sites_b0d743392f200af3_[8]) <<= 1;
  ++::weft::instr::update(a, ::weft_sites_b0d743392f200af3_[9]);
  ::weft::instr::update(a, ::weft_sites_b0d743392f200af3_[10])--;
  ::weft::instr::write((which ? a : b), ::weft_sites_b0d743392f200af3_[11]) = 7;
  int x = ::weft::instr::read((a, b), ::weft_sites_b0d743392f200af3_[12]);
  int y = ++::weft::instr::update(b, ::weft_sites_b0d743392f200af3_[13]);
  ::weft::instr::write(*::weft::instr::read(p, ::weft_sites_b0d743392f200af3_[15]), ::weft_sites_b0d743392f200af3_[14]) = ::weft::instr::read(*::weft::instr::read(p, ::weft_sites_b0d743392f200af3_[17]), ::weft_sites_b0d743392f200af3_[16]) + 1;
  ::weft::instr::update(p, ::weft_sites_b0d743392f200af3_[18])++;
  return x + y;
}
