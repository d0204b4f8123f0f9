// Members: through this (written or implicit), through objects, in constructor initialisers,
// and whole-object copies by defaulted copy operations.
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
