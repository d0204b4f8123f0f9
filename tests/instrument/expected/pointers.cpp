// weft-instrument: instrumented copy of pointers.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_267a6a45ba6c126a_
#define WEFT_SITES_weft_sites_267a6a45ba6c126a_
inline constexpr ::weft::instr::Site weft_sites_267a6a45ba6c126a_[] = {
    {"pointers.cpp", "sum", 5, 30},
    {"pointers.cpp", "sum", 7, 56},
    {"pointers.cpp", "fill", 11, 39},
    {"pointers.cpp", "fill", 13, 24},
    {"pointers.cpp", "fill", 14, 24},
    {"pointers.cpp", "fill", 15, 24},
    {"pointers.cpp", "fill", 16, 24},
    {"pointers.cpp", "fill", 16, 96},
    {"pointers.cpp", "walk", 24, 22},
    {"pointers.cpp", "walk", 26, 54},
    {"pointers.cpp", "walk", 26, 125},
    {"pointers.cpp", "pick", 30, 40},
    {"pointers.cpp", "pick", 30, 139},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_267a6a45ba6c126a_columns_[] = {
    {5, 31, 69},
    {7, 36, 20},
    {7, 40, 36},
    {11, 40, 69},
    {13, 3, 21},
    {13, 11, 36},
    {14, 3, 21},
    {14, 13, 36},
    {15, 3, 21},
    {15, 7, 36},
    {16, 3, 21},
    {16, 16, 36},
    {16, 19, 20},
    {16, 23, 36},
    {24, 23, 69},
    {26, 34, 20},
    {26, 42, 36},
    {26, 49, 20},
    {26, 58, 37},
    {30, 41, 70},
    {30, 49, 20},
    {30, 60, 37},
};
static const ::weft::instr::ColumnMap weft_sites_267a6a45ba6c126a_column_map_{"pointers.cpp", weft_sites_267a6a45ba6c126a_columns_, 22};
#endif
#line 1 "pointers.cpp"
// Anything reached through a pointer, a reference or an array element may be shared; each
// lvalue is evaluated exactly once (a[i++] keeps one increment).
int table[16];

int sum(const int* p, int n) { ::weft::instr::Frame weft_frame_(::weft_sites_267a6a45ba6c126a_[0]);
  int s = 0;
  for (int i = 0; i < n; ++i) s += ::weft::instr::read(p[i], ::weft_sites_267a6a45ba6c126a_[1]);
  return s;
}

void fill(int* out, int& last, int v) { ::weft::instr::Frame weft_frame_(::weft_sites_267a6a45ba6c126a_[2]);
  int i = 0;
  ::weft::instr::write(out[i++], ::weft_sites_267a6a45ba6c126a_[3]) = v;
  ::weft::instr::write(*(out + i), ::weft_sites_267a6a45ba6c126a_[4]) = v;
  ::weft::instr::write(last, ::weft_sites_267a6a45ba6c126a_[5]) = v;
  ::weft::instr::write(table[v & 15], ::weft_sites_267a6a45ba6c126a_[6]) = ::weft::instr::read(last, ::weft_sites_267a6a45ba6c126a_[7]);
}

struct Node {
  int value;
  Node* next;
};

int walk(Node* head) { ::weft::instr::Frame weft_frame_(::weft_sites_267a6a45ba6c126a_[8]);
  int n = 0;
  for (Node* it = head; it; it = ::weft::instr::read(it->next, ::weft_sites_267a6a45ba6c126a_[9])) n += ::weft::instr::read(it->value, ::weft_sites_267a6a45ba6c126a_[10]);
  return n;
}

int pick(int Node::*field, Node& node) { ::weft::instr::Frame weft_frame_(::weft_sites_267a6a45ba6c126a_[11]); return ::weft::instr::read(node.*field, ::weft_sites_267a6a45ba6c126a_[12]); }
