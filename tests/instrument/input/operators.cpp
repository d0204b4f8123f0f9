// Reads, writes and read-modify-writes in every operator form; results used as lvalues.
int a, b, c;
int* p;

int operators(bool which) {
  a = b = c;
  a += b;
  a -= 1;
  a *= 2;
  a <<= 1;
  ++a;
  a--;
  (which ? a : b) = 7;
  int x = (a, b);
  int y = ++b;
  *p = *p + 1;
  p++;
  return x + y;
}
