// A small ledger: shared state behind a header, for the weft_instrument() smoke test.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace smoke {

struct Entry {
  std::string who;
  long amount;
  unsigned flagged : 1;
  unsigned kind : 3;
};

inline std::vector<Entry> entries;
inline std::map<std::string, long> balances;

template <class T>
T clamp_to(T v, T lo, T hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

inline void post(const std::string& who, long amount) {
  Entry e{who, amount, amount < 0 ? 1u : 0u, static_cast<unsigned>(amount & 7)};
  entries.push_back(e);
  balances[who] += amount;
}

}  // namespace smoke
