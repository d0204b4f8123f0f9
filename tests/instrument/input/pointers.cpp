// Anything reached through a pointer, a reference or an array element may be shared; each
// lvalue is evaluated exactly once (a[i++] keeps one increment).
int table[16];

int sum(const int* p, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) s += p[i];
  return s;
}

void fill(int* out, int& last, int v) {
  int i = 0;
  out[i++] = v;
  *(out + i) = v;
  last = v;
  table[v & 15] = last;
}

struct Node {
  int value;
  Node* next;
};

int walk(Node* head) {
  int n = 0;
  for (Node* it = head; it; it = it->next) n += it->value;
  return n;
}

int pick(int Node::*field, Node& node) { return node.*field; }
