// weft-instrument: instrumented copy of containers.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_a87afe097b3e3fb8_
#define WEFT_SITES_weft_sites_a87afe097b3e3fb8_
inline constexpr ::weft::instr::Site weft_sites_a87afe097b3e3fb8_[] = {
    {"containers.cpp", "containers", 13, 18},
    {"containers.cpp", "containers", 14, 24},
    {"containers.cpp", "containers", 15, 48},
    {"containers.cpp", "containers", 16, 44},
    {"containers.cpp", "containers", 16, 44},
    {"containers.cpp", "containers", 17, 38},
    {"containers.cpp", "containers", 17, 116},
    {"containers.cpp", "containers", 17, 194},
    {"containers.cpp", "containers", 18, 37},
    {"containers.cpp", "containers", 18, 103},
    {"containers.cpp", "containers", 19, 36},
    {"containers.cpp", "containers", 20, 45},
    {"containers.cpp", "containers", 20, 45},
    {"containers.cpp", "containers", 20, 175},
    {"containers.cpp", "containers", 20, 175},
    {"containers.cpp", "arrays", 32, 19},
    {"containers.cpp", "arrays", 33, 24},
    {"containers.cpp", "arrays", 34, 25},
    {"containers.cpp", "arrays", 36, 24},
    {"containers.cpp", "arrays", 37, 30},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_a87afe097b3e3fb8_columns_[] = {
    {13, 19, 69},
    {14, 3, 21},
    {14, 9, 36},
    {15, 28, 20},
    {15, 34, 36},
    {16, 3, 41},
    {16, 9, 36},
    {16, 12, 36},
    {17, 18, 20},
    {17, 24, 36},
    {17, 40, 20},
    {17, 46, 36},
    {17, 60, 22},
    {17, 63, 36},
    {18, 17, 20},
    {18, 23, 36},
    {18, 25, 22},
    {18, 26, 36},
    {19, 16, 20},
    {19, 19, 37},
    {20, 3, 42},
    {20, 11, 37},
    {20, 16, 37},
    {20, 19, 40},
    {20, 25, 37},
    {20, 33, 37},
    {32, 20, 70},
    {33, 3, 21},
    {33, 11, 37},
    {34, 3, 22},
    {34, 14, 37},
    {36, 3, 21},
    {36, 8, 37},
    {37, 10, 20},
    {37, 16, 37},
};
static const ::weft::instr::ColumnMap weft_sites_a87afe097b3e3fb8_column_map_{"containers.cpp", weft_sites_a87afe097b3e3fb8_columns_, 35};
#endif
#line 1 "containers.cpp"
// Standard containers: their member functions run in system headers, so the call site
// records the container object (a read, or a write for modifiers); element accesses and
// iterator dereferences in user code are recorded as such. Range-for reads its range.
#include <array>
#include <map>
#include <string>
#include <vector>

std::vector<int> values;
std::map<std::string, int> index_of;
int arr[3];

int containers() { ::weft::instr::Frame weft_frame_(::weft_sites_a87afe097b3e3fb8_[0]);
  ::weft::instr::write(values, ::weft_sites_a87afe097b3e3fb8_[1]).push_back(1);
  int n = static_cast<int>(::weft::instr::read(values, ::weft_sites_a87afe097b3e3fb8_[2]).size());
  ::weft::instr::write(::weft::instr::read(values, ::weft_sites_a87afe097b3e3fb8_[3])[0], ::weft_sites_a87afe097b3e3fb8_[4]) = n;
  for (auto it = ::weft::instr::read(values, ::weft_sites_a87afe097b3e3fb8_[5]).begin(); it != ::weft::instr::read(values, ::weft_sites_a87afe097b3e3fb8_[6]).end(); ++it) ::weft::instr::update(*it, ::weft_sites_a87afe097b3e3fb8_[7]) += 1;
  for (int& v : ::weft::instr::read(values, ::weft_sites_a87afe097b3e3fb8_[8])) ::weft::instr::update(v, ::weft_sites_a87afe097b3e3fb8_[9]) *= 2;
  for (int v : ::weft::instr::read(arr, ::weft_sites_a87afe097b3e3fb8_[10])) n += v;
  ::weft::instr::write(::weft::instr::write(index_of, ::weft_sites_a87afe097b3e3fb8_[11])["a"], ::weft_sites_a87afe097b3e3fb8_[12]) = ::weft::instr::read(::weft::instr::read(values, ::weft_sites_a87afe097b3e3fb8_[13]).front(), ::weft_sites_a87afe097b3e3fb8_[14]);
  std::vector<int> mine{1, 2, 3};   // private: left alone
  mine.push_back(4);
  mine[0] = 5;
  return n + mine[0];
}

// std::array holds its elements inline: indexing or begin() does not read "the array" (that
// would conflict with writes of the other elements); the element access is recorded, and
// the whole-array modifiers write it all.
std::array<int, 4> slots;

int arrays(int i) { ::weft::instr::Frame weft_frame_(::weft_sites_a87afe097b3e3fb8_[15]);
  ::weft::instr::write(slots[i], ::weft_sites_a87afe097b3e3fb8_[16]) = i;
  ::weft::instr::update(slots.at(0), ::weft_sites_a87afe097b3e3fb8_[17]) += 1;
  int* first = slots.data();
  ::weft::instr::write(slots, ::weft_sites_a87afe097b3e3fb8_[18]).fill(7);
  return ::weft::instr::read(*first, ::weft_sites_a87afe097b3e3fb8_[19]) + static_cast<int>(slots.size());
}
