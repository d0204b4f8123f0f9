#include "shared.hpp"

long second(const long* p) {
  add_shared(2);
  return load(p);
}
