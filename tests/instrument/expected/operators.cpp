// weft-instrument: instrumented copy of operators.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_b0d743392f200af3_
#define WEFT_SITES_weft_sites_b0d743392f200af3_
inline constexpr ::weft::instr::Site weft_sites_b0d743392f200af3_[] = {
    {"operators.cpp", "operators", 5, 27},
    {"operators.cpp", "operators", 6, 3},
    {"operators.cpp", "operators", 6, 7},
    {"operators.cpp", "operators", 6, 11},
    {"operators.cpp", "operators", 7, 3},
    {"operators.cpp", "operators", 7, 8},
    {"operators.cpp", "operators", 8, 3},
    {"operators.cpp", "operators", 9, 3},
    {"operators.cpp", "operators", 10, 3},
    {"operators.cpp", "operators", 11, 5},
    {"operators.cpp", "operators", 12, 3},
    {"operators.cpp", "operators", 13, 3},
    {"operators.cpp", "operators", 14, 11},
    {"operators.cpp", "operators", 15, 13},
    {"operators.cpp", "operators", 16, 3},
    {"operators.cpp", "operators", 16, 4},
    {"operators.cpp", "operators", 16, 8},
    {"operators.cpp", "operators", 16, 9},
    {"operators.cpp", "operators", 17, 3},
};
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
