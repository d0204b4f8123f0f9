// Members: through this (written or implicit), through objects, in constructor initialisers
// and default member initialisers, and whole-object copies by defaulted copy operations.
int seed = 1;

struct Point {
  int x = 0;
  int y = 0;
};

struct Counter {
  int hits;
  int misses;
  Point where;
  explicit Counter(int start) : hits(start), misses(seed), where{seed, 2} {}
  void hit() { ++hits; }
  void miss() { this->misses += 1; }
  int ratio() const { return hits / (misses + 1); }
  void move_to(const Point& p) { where = p; }
};

Point origin;

int use(Counter& c, Counter* pc) {
  c.hit();
  pc->miss();
  Point copy = origin;  // reads the whole global object
  origin = copy;        // writes it
  return c.hits + pc->misses + copy.x;
}

// Default member initialisers run in whichever goroutine constructs the object.
struct Defaults {
  int copy_of_seed = seed;
  int twice{seed * 2};
  Point at{seed, 0};
  int fixed = 7;  // nothing to record
};

template <class T>
struct Boxed {
  T value = T(seed);  // written once, instantiated for int and long: one edit
};
Boxed<int> boxed_int;
Boxed<long> boxed_long;

// Still usable in constant expressions: the hooks do nothing during constant evaluation.
struct Limits {
  int max = 10;
  int min = max - 10;
};
constexpr Limits limits{};
static_assert(limits.min == 0);

int defaults() {
  Defaults d;
  return d.copy_of_seed + d.twice + d.at.x + static_cast<int>(boxed_long.value);
}
