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

int containers() {
  values.push_back(1);
  int n = static_cast<int>(values.size());
  values[0] = n;
  for (auto it = values.begin(); it != values.end(); ++it) *it += 1;
  for (int& v : values) v *= 2;
  for (int v : arr) n += v;
  index_of["a"] = values.front();
  std::vector<int> mine{1, 2, 3};   // private: left alone
  mine.push_back(4);
  mine[0] = 5;
  return n + mine[0];
}

// std::array holds its elements inline: indexing or begin() does not read "the array" (that
// would conflict with writes of the other elements); the element access is recorded, and
// the whole-array modifiers write it all.
std::array<int, 4> slots;

int arrays(int i) {
  slots[i] = i;
  slots.at(0) += 1;
  int* first = slots.data();
  slots.fill(7);
  return *first + static_cast<int>(slots.size());
}
