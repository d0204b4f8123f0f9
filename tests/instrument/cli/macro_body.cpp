// One access weft-instrument cannot rewrite: `hits` is written inside a macro body that is
// also expanded where no function runs (a global's initialiser), so the #define cannot carry
// the hook (every expansion would get it). An access in a macro body that every expansion
// can take is instrumented in the #define.
#define COUNT_HIT() (hits += 1)
int hits = 0;
int misses = 0;
int first = COUNT_HIT();

void hit() { COUNT_HIT(); }
void miss() { ++misses; }
