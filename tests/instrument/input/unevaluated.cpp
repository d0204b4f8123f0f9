// Unevaluated operands, constant expressions and compile-time functions are left alone.
#include <typeinfo>

int g;
int arr[4];

constexpr int square(int x) { return x * x; }
consteval int cube(int x) { return x * x * x; }
template <class T>
constexpr T twice(T v) { return v + v; }

int unevaluated() {
  static_assert(sizeof(g) == sizeof(int));
  decltype(g) copy = 0;
  bool nothrow = noexcept(g++);
  const char* name = typeid(arr[0]).name();
  int n = sizeof arr / sizeof arr[0];
  if constexpr (sizeof(int) == 4) copy = square(g);
  switch (g) {
    case square(2): break;
  }
  return copy + nothrow + (name != nullptr) + n + cube(2) + twice(3);
}
