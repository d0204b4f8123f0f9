// weft-instrument: instrumented copy of containers.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_a87afe097b3e3fb8_
#define WEFT_SITES_weft_sites_a87afe097b3e3fb8_
inline constexpr ::weft::instr::Site weft_sites_a87afe097b3e3fb8_[] = {
    {"containers.cpp", "containers", 12, 18},
    {"containers.cpp", "containers", 13, 3},
    {"containers.cpp", "containers", 14, 28},
    {"containers.cpp", "containers", 15, 3},
    {"containers.cpp", "containers", 15, 3},
    {"containers.cpp", "containers", 16, 18},
    {"containers.cpp", "containers", 16, 40},
    {"containers.cpp", "containers", 16, 60},
    {"containers.cpp", "containers", 17, 17},
    {"containers.cpp", "containers", 17, 25},
    {"containers.cpp", "containers", 18, 16},
    {"containers.cpp", "containers", 19, 3},
    {"containers.cpp", "containers", 19, 3},
    {"containers.cpp", "containers", 19, 19},
    {"containers.cpp", "containers", 19, 19},
};
#endif
#line 1 "containers.cpp"
// Standard containers: their member functions run in system headers, so the call site
// records the container object (a read, or a write for modifiers); element accesses and
// iterator dereferences in user code are recorded as such. Range-for reads its range.
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
