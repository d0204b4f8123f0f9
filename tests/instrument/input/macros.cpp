// Macro arguments are rewritten in place; an access written inside a macro body cannot be
// edited in the file and is skipped (and counted); system macros (assert) are left alone.
#include <cassert>

int g;
int h;
#define SQUARE(x) ((x) * (x))
#define BUMP_G() (g++)
#define SET(lv, v) ((lv) = (v))

int macros() {
  int r = SQUARE(g);
  BUMP_G();
  SET(h, 3);
  assert(g >= 0);
  return r;
}
