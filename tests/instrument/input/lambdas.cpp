// Lambda bodies are functions of their own (with a frame); generic lambdas are rewritten
// once for all their specialisations; explicitly constexpr lambdas are left alone.
int hits;
int limit = 10;

int lambdas() {
  auto bump = [] { ++hits; };
  bump();
  auto over = [](auto& v) { return v > limit; };
  long big = 3;
  int r = over(hits) + over(big);
  auto scaled = [k = limit * 2](int x) { return x * k; };
  constexpr auto square = [](int x) constexpr { return x * x; };
  return r + scaled(2) + square(3);
}
