// Macro arguments are rewritten in place; an access written inside the body of a macro of
// the file is rewritten in the #define when every expansion of the macro can take the hook
// (reported at each expansion's line and function), and skipped (and counted) otherwise;
// system macros (assert) are left alone.
#include <cassert>

int g;
int h;
#define SQUARE(x) ((x) * (x))
#define BUMP_G() (g++)
#define SET(lv, v) ((lv) = (v))
#define FIELD(p) (p)->n
#define ADD_HITS(k) (hits += (k))
#define RESET_COUNT() (count = 0)

struct Counter {
  int n;
};
int hits;
int count;
int start = RESET_COUNT();  // no function runs here: RESET_COUNT's body stays as written

int macros() {
  int r = SQUARE(g);
  BUMP_G();
  SET(h, 3);
  ADD_HITS(2);
  RESET_COUNT();
  assert(g >= 0);
  return r;
}

int more(Counter* c) {
  FIELD(c) = 1;
  ADD_HITS(h);
  return FIELD(c);
}
