// weft-instrument: instrumented copy of globals.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#include "weft/instr_local.hpp"
#ifndef WEFT_SITES_weft_sites_9931870158f83eda_
#define WEFT_SITES_weft_sites_9931870158f83eda_
inline constexpr ::weft::instr::Site weft_sites_9931870158f83eda_[] = {
    {"globals.cpp", "next_id", 11, 15},
    {"globals.cpp", "next_id", 13, 34},
    {"globals.cpp", "accumulate", 16, 24},
    {"globals.cpp", "accumulate", 17, 24},
    {"globals.cpp", "accumulate", 17, 90},
    {"globals.cpp", "accumulate", 18, 25},
    {"globals.cpp", "accumulate", 19, 24},
    {"globals.cpp", "accumulate", 20, 56},
    {"globals.cpp", "accumulate", 20, 56},
    {"globals.cpp", "accumulate", 21, 27},
    {"globals.cpp", "accumulate", 21, 102},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_9931870158f83eda_columns_[] = {
    {11, 16, 69},
    {13, 12, 22},
    {13, 16, 36},
    {16, 25, 69},
    {17, 3, 21},
    {17, 10, 36},
    {17, 13, 20},
    {17, 20, 36},
    {18, 3, 22},
    {18, 8, 36},
    {19, 3, 21},
    {19, 13, 36},
    {20, 3, 53},
    {20, 13, 37},
    {21, 7, 20},
    {21, 14, 36},
    {21, 25, 21},
    {21, 32, 37},
};
static const ::weft::instr::ColumnMap weft_sites_9931870158f83eda_column_map_{"globals.cpp", weft_sites_9931870158f83eda_columns_, 18};
#endif
#line 1 "globals.cpp"
// Globals, statics, static locals and thread_locals are shared; constants never race.
int counter;
static long total;
thread_local int per_thread;
const int kLimit = 8;
constexpr int kStep = 2;
namespace ns {
int nested;
}

int next_id() { ::weft::instr::Frame weft_frame_(::weft_sites_9931870158f83eda_[0]);
  static int last = 0;
  return ++::weft::instr::update(last, ::weft_sites_9931870158f83eda_[1]);
}

void accumulate(int n) { ::weft::instr::Frame weft_frame_(::weft_sites_9931870158f83eda_[2]);
  ::weft::instr::write(counter, ::weft_sites_9931870158f83eda_[3]) = ::weft::instr::read(counter, ::weft_sites_9931870158f83eda_[4]) + n;    // read and write
  ::weft::instr::update(total, ::weft_sites_9931870158f83eda_[5]) += n * kStep;       // read-modify-write; kStep is a constant
  ::weft::instr::write(ns::nested, ::weft_sites_9931870158f83eda_[6]) = kLimit;      // kLimit is a constant
  ::weft::instr::update(::weft::instr::goroutine_local(per_thread), ::weft_sites_9931870158f83eda_[7])++;
  if (::weft::instr::read(counter, ::weft_sites_9931870158f83eda_[9]) > kLimit) ::weft::instr::write(counter, ::weft_sites_9931870158f83eda_[10]) = 0;
}
