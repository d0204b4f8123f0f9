// Templates are rewritten once, on the written text, from what their instantiations agree
// on; where they disagree (here T = int& makes `x` shared, T = int keeps it local) the spot
// is skipped; an uninstantiated template is left as written.
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

int templates() {
  Cell<int> a;
  Cell<long> b;
  a.set(g);
  b.set(2);
  reset<int>(g);
  reset<int&>(g);
  return a.get() + static_cast<int>(b.get()) + add_to_global(1) + add_to_global(2L);
}
