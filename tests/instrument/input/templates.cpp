// Templates are rewritten once, on the written text, from what their instantiations agree
// on. An instantiation that needs no hook on a spot another one needs (T = int& makes `x`
// shared, T = int keeps it local) takes the hook too: the lvalue is valid to wrap in both.
// An instantiation that discarded an `if constexpr` branch has no say in that branch. An
// uninstantiated template is left as written.
int g;

template <class T>
struct Cell {
  T value{};
  void set(const T& v) { value = v; }
  T get() const { return value; }
};

template <class T>
T add_to_global(T v) {
  g += v;
  return v;
}

template <class T>
void reset(T x) {
  x = 0;
  g = 1;
}

template <class T>
void never_used(T* p) { *p = T(); }

struct Counter {
  int n = 0;
};

template <bool B>
void bump(Counter& s) {
  if constexpr (!B) s.n++;  // only bump<false> has this statement
  s.n += 2;
}

template <class T>
int size_or_zero(const T& v) {
  if constexpr (requires { v.size(); })
    return static_cast<int>(v.size());
  else
    return g + v;  // only instantiations without size() read g
}

int templates() {
  Cell<int> a;
  Cell<long> b;
  a.set(g);
  b.set(2);
  reset<int>(g);
  reset<int&>(g);
  Counter c;
  bump<true>(c);
  bump<false>(c);
  size_or_zero(1);
  return a.get() + static_cast<int>(b.get()) + add_to_global(1) + add_to_global(2L);
}
