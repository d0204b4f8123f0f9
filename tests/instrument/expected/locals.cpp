// weft-instrument: instrumented copy of locals.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_b134bb9e77931dcc_
#define WEFT_SITES_weft_sites_b134bb9e77931dcc_
inline constexpr ::weft::instr::Site weft_sites_b134bb9e77931dcc_[] = {
    {"locals.cpp", "go", 5, 16},
    {"locals.cpp", "observe", 6, 26},
    {"locals.cpp", "keep", 7, 17},
    {"locals.cpp", "touch", 8, 18},
    {"locals.cpp", "run", 10, 11},
    {"locals.cpp", "run", 13, 60, "observe"},
    {"locals.cpp", "run", 16, 60, "go"},
    {"locals.cpp", "run::<lambda>", 16, 67},
    {"locals.cpp", "run::<lambda>", 16, 160},
    {"locals.cpp", "run", 17, 24},
    {"locals.cpp", "run", 17, 89},
    {"locals.cpp", "run", 20, 61, "keep"},
    {"locals.cpp", "run", 21, 24},
    {"locals.cpp", "run", 24, 61, "touch"},
    {"locals.cpp", "run", 25, 25},
    {"locals.cpp", "run", 28, 61, "keep"},
    {"locals.cpp", "run", 29, 24},
    {"locals.cpp", "run", 35, 61, "go"},
    {"locals.cpp", "run::<lambda>", 35, 73},
    {"locals.cpp", "run", 36, 38},
    {"locals.cpp", "run", 36, 104},
    {"locals.cpp", "run", 36, 171},
    {"locals.cpp", "run", 36, 236},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_b134bb9e77931dcc_columns_[] = {
    {5, 17, 69},
    {6, 27, 69},
    {7, 18, 69},
    {8, 19, 69},
    {10, 12, 69},
    {13, 3, 57},
    {13, 17, 1},
    {16, 3, 57},
    {16, 11, 69},
    {16, 12, 22},
    {16, 18, 36},
    {16, 24, 1},
    {17, 3, 21},
    {17, 9, 36},
    {17, 12, 20},
    {17, 18, 37},
    {20, 3, 58},
    {20, 17, 1},
    {21, 3, 21},
    {21, 10, 37},
    {24, 3, 58},
    {24, 15, 1},
    {25, 3, 22},
    {25, 8, 37},
    {28, 3, 58},
    {28, 12, 1},
    {29, 3, 21},
    {29, 9, 37},
    {35, 3, 58},
    {35, 16, 70},
    {35, 33, 1},
    {36, 18, 20},
    {36, 24, 37},
    {36, 27, 20},
    {36, 34, 37},
    {36, 37, 20},
    {36, 42, 37},
    {36, 45, 20},
    {36, 51, 37},
};
static const ::weft::instr::ColumnMap weft_sites_b134bb9e77931dcc_column_map_{"locals.cpp", weft_sites_b134bb9e77931dcc_columns_, 39};
#endif
#line 1 "locals.cpp"
// Locals are private unless their address escapes: address taken, bound to a reference,
// captured by reference (as in a lambda handed to weft::go), or an array decaying to a
// pointer. Passing to a const reference, copying and member calls do not make them escape.
template <class F>
void go(F&& f) { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[0]); f(); }
void observe(const int&) { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[1]);}
void keep(int*) { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[2]);}
void touch(int&) { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[3]);}

int run() { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[4]);
  int quiet = 0;          // never escapes: left alone
  quiet += 1;
  (::weft::instr::Call(::weft_sites_b134bb9e77931dcc_[5]), observe(quiet));

  int shared = 0;         // captured by reference
  (::weft::instr::Call(::weft_sites_b134bb9e77931dcc_[6]), go([&] { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[7]); ::weft::instr::update(shared, ::weft_sites_b134bb9e77931dcc_[8])++; }));
  ::weft::instr::write(shared, ::weft_sites_b134bb9e77931dcc_[9]) = ::weft::instr::read(shared, ::weft_sites_b134bb9e77931dcc_[10]) + quiet;

  int pointed = 0;        // address taken
  (::weft::instr::Call(::weft_sites_b134bb9e77931dcc_[11]), keep(&pointed));
  ::weft::instr::write(pointed, ::weft_sites_b134bb9e77931dcc_[12]) = 2;

  int bound = 0;          // bound to a non-const reference
  (::weft::instr::Call(::weft_sites_b134bb9e77931dcc_[13]), touch(bound));
  ::weft::instr::update(bound, ::weft_sites_b134bb9e77931dcc_[14])--;

  int arr[4] = {};        // decays to a pointer
  (::weft::instr::Call(::weft_sites_b134bb9e77931dcc_[15]), keep(arr));
  ::weft::instr::write(arr[1], ::weft_sites_b134bb9e77931dcc_[16]) = 5;

  int own[4] = {};        // only subscripted
  own[2] = 7;

  int copied = 1;         // captured by copy
  (::weft::instr::Call(::weft_sites_b134bb9e77931dcc_[17]), go([copied] { ::weft::instr::Frame weft_frame_(::weft_sites_b134bb9e77931dcc_[18]); (void)copied; }));
  return quiet + ::weft::instr::read(shared, ::weft_sites_b134bb9e77931dcc_[19]) + ::weft::instr::read(pointed, ::weft_sites_b134bb9e77931dcc_[20]) + ::weft::instr::read(bound, ::weft_sites_b134bb9e77931dcc_[21]) + ::weft::instr::read(arr[1], ::weft_sites_b134bb9e77931dcc_[22]) + own[2] + copied;
}
