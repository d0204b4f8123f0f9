// One access weft-instrument cannot rewrite: `hits` is written inside a macro body.
#define COUNT_HIT() (hits += 1)
int hits = 0;
int misses = 0;

void hit() { COUNT_HIT(); }
void miss() { ++misses; }
